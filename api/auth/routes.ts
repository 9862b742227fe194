/**
 * Accounts over HTTP (mounted under /api):
 * - public: `GET /auth/session`, `POST /auth/setup` (first owner), `POST /auth/sign-in`, `POST /auth/sign-out`;
 * - owner only (behind the access middleware): members, API keys, provider credentials, the audit log.
 */
import { and, desc, eq, lt, ne, sql } from 'drizzle-orm';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { apiKeys, auditLog, credentials, DEFAULT_WORKSPACE_ID, ROLES, sessions, users, workspaces } from '../../db/schema';
import { audit } from '../audit';
import { HttpError, notFound, parse } from '../errors';
import { checkPassword, createApiKey, createSession, createUser, normalizeEmail, publicApiKey, publicUser, userCount } from './accounts';
import { callerFromSession, SESSION_COOKIE, sessionToken, sha256 } from './authenticate';
import { currentCaller, requireRole } from './context';
import { checkCsrf } from './middleware';
import { credentialContext, decryptSecret, encryptSecret } from '../../lib/secrets';

const email = z.string().trim().min(3).max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const password = z.string().min(10, 'must be at least 10 characters').max(200);
export const setupBody = z.object({ email, name: z.string().trim().min(1).max(120), password }).strict();
export const signInBody = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict();
export const addMemberBody = z.object({ email, name: z.string().trim().min(1).max(120), password, role: z.enum(ROLES) }).strict();
export const changeMemberBody = z.object({ role: z.enum(ROLES) }).strict();
export const createApiKeyBody = z.object({ name: z.string().trim().min(1).max(120), role: z.enum(ROLES).default('builder') }).strict();
export const CREDENTIAL_PROVIDERS = ['telnyx', 'telnyx-public-key', 'elevenlabs', 'openai', 'deepgram', 'llm'] as const;
// Keys travel in HTTP headers: printable ASCII only (other characters made the providers' clients throw).
export const credentialBody = z
  .object({ secret: z.string().trim().min(8, 'must be at least 8 characters').max(4096).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces') })
  .strict();
export const auditQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().min(1).optional() });
const providerParam = z.object({ provider: z.enum(CREDENTIAL_PROVIDERS) });
const uuidParam = z.object({ id: z.uuid() });

export interface AuthRouteOptions {
  /** Session lifetime (ms). */
  sessionTtlMs: number;
  /** Applied to sign-in and setup (count failures per client address and per account). */
  signInLimiter?: RequestHandler | RequestHandler[];
}

const isHttps = (request: Request) => request.secure || request.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

function setSessionCookie(request: Request, response: Response, token: string, expires: Date) {
  response.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: isHttps(request), path: '/', expires });
}

async function sessionBody(db: Database, userId: string) {
  const [row] = await db.select().from(users).innerJoin(workspaces, eq(workspaces.id, users.workspaceId)).where(eq(users.id, userId));
  if (!row) throw notFound('User');
  return { setupRequired: false, user: publicUser(row.users), workspace: { id: row.workspaces.id, name: row.workspaces.name } };
}

/**
 * DNS rebinding: a web page whose name resolves to this machine could otherwise create the first
 * owner of a fresh local install (the browser sends the page's own name as Host, so the origin
 * check passes). The first owner is therefore created only through an address, `localhost`, or a
 * host name listed in SWITCHBOARD_ALLOWED_HOSTS (comma-separated).
 */
export function checkSetupHost(hostHeader: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  let host = '';
  try {
    host = new URL(`http://${hostHeader ?? ''}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    // Not a host at all: refused below.
  }
  const listed = (env.SWITCHBOARD_ALLOWED_HOSTS ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const isAddress = /^[\d.]+$/.test(host) || host.includes(':');
  if (host && (isAddress || host === 'localhost' || listed.includes(host))) return;
  throw new HttpError(
    403,
    'setupHostNotAllowed',
    `The owner account can only be created at an IP address or localhost, or at a host name listed in SWITCHBOARD_ALLOWED_HOSTS; this request came for '${host || '(none)'}'`,
  );
}

/** The routes anyone may call (they are how one signs in). */
export function authRoutes(db: Database, options: AuthRouteOptions): Router {
  const router = Router();
  const limit: RequestHandler[] = [options.signInLimiter ?? []].flat();

  router.get('/auth/session', async (request, response) => {
    const token = sessionToken(request.headers);
    const caller = token ? await callerFromSession(db, token) : null;
    if (caller?.userId) return void response.json(await sessionBody(db, caller.userId));
    response.json({ setupRequired: (await userCount(db)) === 0, user: null });
  });

  router.post('/auth/setup', ...limit, async (request, response) => {
    checkCsrf(request);
    checkSetupHost(request.get('host'));
    const body = parse(setupBody, request.body);
    const user = await db.transaction(async (tx) => {
      // One setup at a time, and only while there is no user at all.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('switchboard.setup'))`);
      const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
      if (existing) throw new HttpError(409, 'alreadySetUp', 'The owner account already exists: sign in, or ask an owner to add you');
      const created = await createUser(tx, { workspaceId: DEFAULT_WORKSPACE_ID, email: body.email, name: body.name, role: 'owner', password: body.password });
      await audit(tx, { workspaceId: DEFAULT_WORKSPACE_ID, actor: `user:${created.email}`, action: 'auth.ownerCreated', target: created.email });
      return created;
    });
    const session = await createSession(db, user.id, options.sessionTtlMs);
    setSessionCookie(request, response, session.token, session.expiresAt);
    response.status(201).json(await sessionBody(db, user.id));
  });

  router.post('/auth/sign-in', ...limit, async (request, response) => {
    checkCsrf(request);
    const body = parse(signInBody, request.body);
    const user = await checkPassword(db, body.email, body.password);
    if (!user) {
      const known = await db.select({ workspaceId: users.workspaceId }).from(users).where(eq(users.email, normalizeEmail(body.email)));
      // The email is kept only when it names a member (in each workspace it is one of): an unknown one
      // may be someone's password typed in the wrong box.
      for (const workspace of known.length > 0 ? known : [null]) {
        await audit(db, { workspaceId: workspace?.workspaceId ?? null, actor: 'anonymous', action: 'auth.signInFailed', target: workspace ? normalizeEmail(body.email) : null, details: { ip: request.ip } });
      }
      throw new HttpError(401, 'invalidCredentials', 'The email or password is wrong');
    }
    const session = await createSession(db, user.id, options.sessionTtlMs);
    setSessionCookie(request, response, session.token, session.expiresAt);
    response.json(await sessionBody(db, user.id));
  });

  router.post('/auth/sign-out', async (request, response) => {
    checkCsrf(request);
    const token = sessionToken(request.headers);
    if (token) await db.delete(sessions).where(eq(sessions.id, sha256(token)));
    response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isHttps(request), path: '/' });
    response.status(204).end();
  });

  return router;
}

/** Members, API keys, credentials and the audit log: owners only. */
export function accountRoutes(db: Database, secretKey: () => Buffer): Router {
  const router = Router();
  const owner = requireRole('owner');

  // ---- members ----
  router.get('/members', owner, async (_request, response) => {
    const rows = await db.select().from(users).where(eq(users.workspaceId, currentCaller().workspaceId)).orderBy(users.createdAt);
    response.json(rows.map(publicUser));
  });

  router.post('/members', owner, async (request, response) => {
    const body = parse(addMemberBody, request.body);
    const caller = currentCaller();
    // Only this workspace's members count: whether the address has an account elsewhere is not told.
    const [taken] = await db.select({ id: users.id }).from(users).where(and(eq(users.workspaceId, caller.workspaceId), eq(users.email, normalizeEmail(body.email))));
    if (taken) throw new HttpError(409, 'alreadyMember', `${normalizeEmail(body.email)} is already a member of this workspace`);
    const user = await db.transaction(async (tx) => {
      const created = await createUser(tx, { ...body, workspaceId: caller.workspaceId });
      await audit(tx, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'member.add', target: created.email, details: { role: created.role } });
      return created;
    });
    response.status(201).json(publicUser(user));
  });

  /** The member, in the caller's workspace; changing or removing the last owner is refused. */
  const member = async (tx: Pick<Database, 'select'>, id: string, workspaceId: string) => {
    const [row] = await tx.select().from(users).where(and(eq(users.id, id), eq(users.workspaceId, workspaceId)));
    if (!row) throw notFound('Member');
    return row;
  };
  const otherOwners = async (tx: Pick<Database, 'select'>, id: string, workspaceId: string) =>
    (await tx.select({ id: users.id }).from(users).where(and(eq(users.workspaceId, workspaceId), eq(users.role, 'owner'), ne(users.id, id)))).length;

  router.patch('/members/:id', owner, async (request, response) => {
    const { id } = parse(uuidParam, request.params, 'params');
    const { role } = parse(changeMemberBody, request.body);
    const caller = currentCaller();
    const updated = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`switchboard.members.${caller.workspaceId}`}))`);
      const row = await member(tx, id, caller.workspaceId);
      if (row.role === 'owner' && role !== 'owner' && (await otherOwners(tx, id, caller.workspaceId)) === 0) {
        throw new HttpError(409, 'lastOwner', 'A workspace needs an owner: make someone else an owner first');
      }
      const [changed] = await tx.update(users).set({ role }).where(eq(users.id, id)).returning();
      await audit(tx, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'member.roleChange', target: row.email, details: { from: row.role, to: role } });
      return changed!;
    });
    response.json(publicUser(updated));
  });

  router.delete('/members/:id', owner, async (request, response) => {
    const { id } = parse(uuidParam, request.params, 'params');
    const caller = currentCaller();
    await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`switchboard.members.${caller.workspaceId}`}))`);
      const row = await member(tx, id, caller.workspaceId);
      if (row.role === 'owner' && (await otherOwners(tx, id, caller.workspaceId)) === 0) {
        throw new HttpError(409, 'lastOwner', 'A workspace needs an owner: make someone else an owner first');
      }
      await tx.delete(users).where(eq(users.id, id)); // their sessions go with them
      await audit(tx, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'member.remove', target: row.email, details: { role: row.role } });
    });
    response.status(204).end();
  });

  // ---- API keys ----
  router.get('/api-keys', owner, async (_request, response) => {
    const rows = await db.select().from(apiKeys).where(eq(apiKeys.workspaceId, currentCaller().workspaceId)).orderBy(desc(apiKeys.createdAt));
    response.json(rows.map(publicApiKey));
  });

  router.post('/api-keys', owner, async (request, response) => {
    const body = parse(createApiKeyBody, request.body);
    const caller = currentCaller();
    const created = await createApiKey(db, { workspaceId: caller.workspaceId, name: body.name, role: body.role, createdBy: caller.userId ?? null });
    await audit(db, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'apiKey.create', target: created.key.prefix, details: { name: body.name, role: body.role } });
    response.status(201).json({ ...created.key, secret: created.secret });
  });

  router.delete('/api-keys/:id', owner, async (request, response) => {
    const { id } = parse(uuidParam, request.params, 'params');
    const caller = currentCaller();
    const [row] = await db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, caller.workspaceId)))
      .returning();
    if (!row) throw notFound('API key');
    await audit(db, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'apiKey.revoke', target: row.prefix, details: { name: row.name } });
    response.json(publicApiKey(row));
  });

  // ---- provider credentials ----
  const publicCredential = (row: typeof credentials.$inferSelect) => ({ provider: row.provider, hint: `…${row.hint}`, updatedBy: row.updatedBy, updatedAt: row.updatedAt });

  router.get('/credentials', owner, async (_request, response) => {
    const rows = await db.select().from(credentials).where(eq(credentials.workspaceId, currentCaller().workspaceId));
    response.json(CREDENTIAL_PROVIDERS.map((provider) => {
      const row = rows.find((candidate) => candidate.provider === provider);
      return row ? { ...publicCredential(row), configured: true } : { provider, configured: false };
    }));
  });

  router.put('/credentials/:provider', owner, async (request, response) => {
    const { provider } = parse(providerParam, request.params, 'params');
    const { secret } = parse(credentialBody, request.body);
    const caller = currentCaller();
    const values = {
      workspaceId: caller.workspaceId,
      provider,
      ciphertext: encryptSecret(secretKey(), secret, credentialContext(caller.workspaceId, provider)),
      hint: secret.slice(-4),
      updatedBy: caller.actor,
      updatedAt: new Date(),
    };
    const [row] = await db.insert(credentials).values(values).onConflictDoUpdate({ target: [credentials.workspaceId, credentials.provider], set: values }).returning();
    await audit(db, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'credential.set', target: provider });
    response.json({ ...publicCredential(row!), configured: true });
  });

  router.delete('/credentials/:provider', owner, async (request, response) => {
    const { provider } = parse(providerParam, request.params, 'params');
    const caller = currentCaller();
    const deleted = await db.delete(credentials).where(and(eq(credentials.workspaceId, caller.workspaceId), eq(credentials.provider, provider))).returning();
    if (deleted.length === 0) throw notFound('Credential');
    await audit(db, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'credential.delete', target: provider });
    response.status(204).end();
  });

  // ---- audit log ----
  router.get('/audit-log', owner, async (request, response) => {
    const query = parse(auditQuery, request.query, 'query');
    const workspaceId = currentCaller().workspaceId;
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, workspaceId), query.before ? lt(auditLog.id, query.before) : undefined))
      .orderBy(desc(auditLog.id))
      .limit(query.limit);
    response.json({ entries: rows, nextBefore: rows.length === query.limit ? rows.at(-1)?.id : null });
  });

  return router;
}

export { credentialContext } from '../../lib/secrets';

/** A workspace's credential for a provider, decrypted, or null when none is stored. */
export async function readCredential(db: Database, secretKey: Buffer, workspaceId: string, provider: (typeof CREDENTIAL_PROVIDERS)[number]): Promise<string | null> {
  const [row] = await db.select().from(credentials).where(and(eq(credentials.workspaceId, workspaceId), eq(credentials.provider, provider)));
  return row ? decryptSecret(secretKey, row.ciphertext, credentialContext(workspaceId, provider)) : null;
}
