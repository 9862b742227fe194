/**
 * The one access check in front of the API router. Every /api route behind it needs a caller (a
 * session cookie or `Authorization: Bearer <api key>`); the role it needs comes from the method
 * (GET/HEAD → viewer, anything else → builder) unless the route asks for more with
 * `requireRole('owner')`. Routes added later are protected without doing anything.
 */
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Database } from '../../db/client';
import { HttpError } from '../errors';
import { authenticate, bearerToken } from './authenticate';
import { roleAtLeast, runAs } from './context';
import type { LiveAccess } from '../live/call-event-stream';

export const CSRF_HEADER = 'x-requested-with';
export const CSRF_VALUE = 'switchboard';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the request's Origin (when sent) is this server's own (scheme-insensitive host match). */
export function sameOrigin(headers: IncomingMessage['headers']): boolean {
  const origin = headers.origin;
  if (!origin) return true;
  try {
    const host = headers['x-forwarded-host'] ?? headers.host;
    return new URL(origin).host === (Array.isArray(host) ? host[0] : host);
  } catch {
    return false;
  }
}

/**
 * CSRF: a browser sends cookies on cross-site requests, so a cookie-authenticated change must carry
 * `X-Requested-With: switchboard` (a custom header no other site can add without a CORS preflight,
 * which this API never grants) and, when the browser sends an Origin, come from this origin.
 */
export function checkCsrf(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.get(CSRF_HEADER) !== CSRF_VALUE || !sameOrigin(request.headers)) {
    throw new HttpError(403, 'csrf', `Cookie-authenticated changes must come from the Switchboard app (header ${CSRF_HEADER}: ${CSRF_VALUE}, same origin); automation uses an API key instead`);
  }
}

export interface AccessControlOptions {
  /**
   * Requests that may come with a session cookie and without the CSRF header from an origin the
   * predicate trusts (the Temporal UI calling the codec endpoint, which only reads). They still need a caller.
   */
  crossOriginReads?: (request: Request) => boolean;
  /** POSTs that only read (the codec endpoint): any member may make them, viewers included. */
  readOnlyPosts?: (request: Request) => boolean;
}

export function accessControl(db: Database, options: AccessControlOptions = {}): RequestHandler {
  return async (request, _response, next) => {
    const caller = await authenticate(db, request.headers);
    if (!caller) {
      const sentKey = bearerToken(request.headers) !== undefined;
      throw new HttpError(401, 'unauthenticated', sentKey ? 'The API key is unknown or has been revoked' : 'Sign in, or send an API key as `Authorization: Bearer <key>`');
    }
    if (caller.via === 'session' && !options.crossOriginReads?.(request)) checkCsrf(request);
    const needed = SAFE_METHODS.has(request.method) || options.readOnlyPosts?.(request) ? 'viewer' : 'builder';
    if (!roleAtLeast(caller.role, needed)) throw new HttpError(403, 'forbidden', `Viewers can only look: ${request.method} needs the builder role`);
    runAs(caller, () => next());
  };
}

/**
 * The workspace a WebSocket upgrade may read and who asks (api/live/call-event-stream.ts), or null (401): a
 * session cookie from this origin, `Authorization: Bearer <key>` or `?token=<api key>`.
 */
export function liveWorkspaceResolver(db: Database): (request: IncomingMessage) => Promise<LiveAccess | null> {
  return async (request) => {
    const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
    const caller = await authenticate(db, request.headers, token);
    if (!caller) return null;
    // Cross-site WebSocket hijacking: a cookie only counts when the page is ours.
    if (caller.via === 'session' && !sameOrigin(request.headers)) return null;
    // Connections are capped per user or API key, whichever signed in.
    return { workspaceId: caller.workspaceId, caller: caller.userId ? `user:${caller.userId}` : `apiKey:${caller.apiKeyId}` };
  };
}
