/** Users, sessions and API keys: the operations the routes and the test support share. */
import { hash, verify } from '@node-rs/argon2';
import { and, asc, count, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { apiKeys, sessions, users, type Role } from '../../db/schema';
import { API_KEY_PREFIX, newToken, sha256 } from './authenticate';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

// argon2id with the library's defaults (OWASP's minimum: 19 MiB, 2 passes).
export const hashPassword = (password: string) => hash(password);

/** A hash to verify against when the email is unknown, so both cases take the same time. */
let dummyHash: Promise<string> | undefined;

/**
 * The account an email and password sign into. An address may have an account in several
 * workspaces, each with its own password: the password says which (the oldest account, should two
 * share a password). Every account of the address is checked, so the time taken does not tell which.
 */
export async function checkPassword(db: Database, email: string, password: string) {
  const accounts = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).orderBy(asc(users.createdAt), asc(users.id));
  if (accounts.length === 0) {
    dummyHash ??= hash('not a password');
    await verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const matches = await Promise.all(accounts.map((user) => verify(user.passwordHash, password).catch(() => false)));
  return accounts.find((_, index) => matches[index]) ?? null;
}

export async function userCount(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

export async function createUser(db: Pick<Database, 'insert'>, input: { workspaceId: string; email: string; name: string; role: Role; password: string }) {
  const [user] = await db
    .insert(users)
    .values({ workspaceId: input.workspaceId, email: normalizeEmail(input.email), name: input.name, role: input.role, passwordHash: await hashPassword(input.password) })
    .returning();
  if (!user) throw new Error('user not created');
  return user;
}

/** A new session for the user; the token goes into the cookie, its hash into the table. */
export async function createSession(db: Database, userId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.insert(sessions).values({ id: sha256(token), userId, expiresAt });
  // Expired sessions are useless: drop the user's old ones while we are here.
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, new Date())));
  return { token, expiresAt };
}

/** A new API key; the secret is returned here once and only its hash is kept. */
export async function createApiKey(db: Database, input: { workspaceId: string; name: string; role: Role; createdBy?: string | null }) {
  const secret = `${API_KEY_PREFIX}${newToken()}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ workspaceId: input.workspaceId, name: input.name, role: input.role, prefix: secret.slice(0, 10), secretHash: sha256(secret), createdBy: input.createdBy ?? null })
    .returning();
  if (!row) throw new Error('API key not created');
  return { secret, key: publicApiKey(row) };
}

export function publicApiKey(row: typeof apiKeys.$inferSelect) {
  return { id: row.id, name: row.name, role: row.role, prefix: row.prefix, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, revokedAt: row.revokedAt };
}

export function publicUser(row: typeof users.$inferSelect) {
  return { id: row.id, email: row.email, name: row.name, role: row.role, workspaceId: row.workspaceId, createdAt: row.createdAt };
}
