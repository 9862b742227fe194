/**
 * Who is asking, for the rest of the request. The access middleware (./middleware.ts) authenticates
 * every /api request and runs the route inside an AsyncLocalStorage scope holding the caller, so
 * route factories keep taking a plain `workspaceId()` resolver and every query they make is scoped
 * to the caller's workspace without passing the request around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import type { Role } from '../../db/schema';
import { HttpError } from '../errors';

export interface Caller {
  workspaceId: string;
  role: Role;
  /** For the audit log: `user:<email>` or `apiKey:<prefix>`. */
  actor: string;
  via: 'session' | 'apiKey';
  userId?: string;
  apiKeyId?: string;
  /** The session id (hash), for sign-out. */
  sessionId?: string;
}

const RANK: Record<Role, number> = { viewer: 0, builder: 1, owner: 2 };
export const roleAtLeast = (role: Role, needed: Role) => RANK[role] >= RANK[needed];

const storage = new AsyncLocalStorage<Caller>();

export const runAs = <T>(caller: Caller, run: () => T): T => storage.run(caller, run);

/** The authenticated caller of the current request; 401 outside an authenticated request. */
export function currentCaller(): Caller {
  const caller = storage.getStore();
  if (!caller) throw new HttpError(401, 'unauthenticated', 'Sign in, or send an API key as `Authorization: Bearer <key>`');
  return caller;
}

/** The workspace the current request acts in (every query is scoped to it). */
export const currentWorkspace = (): string => currentCaller().workspaceId;

/**
 * Declares that a route needs more than its method's default role (GET → viewer, others →
 * builder), e.g. `router.get('/audit-log', requireRole('owner'), …)`.
 */
export function requireRole(role: Role): RequestHandler {
  return (_request, _response, next) => {
    const caller = currentCaller();
    if (!roleAtLeast(caller.role, role)) throw new HttpError(403, 'forbidden', `This needs the ${role} role; you are a ${caller.role}`);
    next();
  };
}
