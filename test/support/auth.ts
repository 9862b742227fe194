/** Accounts for tests: a user with a known password and an API key, straight into the database. */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client';
import { DEFAULT_WORKSPACE_ID, workspaces, type Role } from '../../db/schema';
import { createApiKey, createUser } from '../../api/auth/accounts';

export interface TestAccount {
  workspaceId: string;
  userId: string;
  email: string;
  password: string;
  role: Role;
  /** An API key of the same workspace and role. */
  apiKey: string;
  /** `Authorization: Bearer <apiKey>`. */
  headers: Record<string, string>;
}

export async function createTestAccount(db: Database, options: { workspaceId?: string; role?: Role; email?: string } = {}): Promise<TestAccount> {
  const workspaceId = options.workspaceId ?? DEFAULT_WORKSPACE_ID;
  const role = options.role ?? 'owner';
  const email = options.email ?? `${role}-${randomUUID().slice(0, 8)}@example.test`;
  const password = `pw-${randomUUID()}`;
  const user = await createUser(db, { workspaceId, email, name: `Test ${role}`, role, password });
  const { secret } = await createApiKey(db, { workspaceId, name: `test ${role}`, role, createdBy: user.id });
  return { workspaceId, userId: user.id, email: user.email, password, role, apiKey: secret, headers: { authorization: `Bearer ${secret}` } };
}

/** A second workspace (with its own owner), for separation tests. */
export async function createTestWorkspace(db: Database, name = 'Other workspace'): Promise<TestAccount> {
  const [workspace] = await db.insert(workspaces).values({ name }).returning();
  return createTestAccount(db, { workspaceId: workspace!.id, role: 'owner' });
}

/** Signs in over HTTP and returns the `cookie` header value of the new session. */
export async function signIn(api: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${api}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard', origin: api },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith('sb_session='));
  if (!cookie) throw new Error('sign-in set no session cookie');
  return cookie.split(';')[0]!;
}
