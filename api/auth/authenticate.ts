/** Turns a request's session cookie or API key into a {@link Caller}, or null. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseCookies } from 'cookie';
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { apiKeys, sessions, users } from '../../db/schema';
import type { Caller } from './context';

export const SESSION_COOKIE = 'sb_session';
export const API_KEY_PREFIX = 'sb_';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const newToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** The bearer token of `Authorization: Bearer <key>`, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

export const sessionToken = (headers: IncomingHttpHeaders): string | undefined => (headers.cookie ? parseCookies(headers.cookie)[SESSION_COOKIE] : undefined);

export async function callerFromApiKey(db: Database, key: string): Promise<Caller | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, sha256(key)), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  // Last use is kept to the minute, so a busy key does not write on every request.
  void db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(Date.now() - 60_000)))))
    .catch(() => undefined);
  return { workspaceId: row.workspaceId, role: row.role, actor: `apiKey:${row.prefix}`, via: 'apiKey', apiKeyId: row.id };
}

export async function callerFromSession(db: Database, token: string): Promise<Caller | null> {
  const id = sha256(token);
  const [row] = await db
    .select({ userId: users.id, email: users.email, role: users.role, workspaceId: users.workspaceId })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, new Date())));
  if (!row) return null;
  return { workspaceId: row.workspaceId, role: row.role, actor: `user:${row.email}`, via: 'session', userId: row.userId, sessionId: id };
}

/**
 * A bearer key wins over a cookie; a bearer key that is wrong or revoked is refused even when a
 * valid cookie is also sent. `token` is the `?token=` of a WebSocket URL (browsers cannot set headers there).
 */
export async function authenticate(db: Database, headers: IncomingHttpHeaders, token?: string | null): Promise<Caller | null> {
  const key = bearerToken(headers) ?? token ?? undefined;
  if (key) return callerFromApiKey(db, key);
  const session = sessionToken(headers);
  if (session) return callerFromSession(db, session);
  return null;
}
