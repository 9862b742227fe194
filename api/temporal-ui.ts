/**
 * The Temporal UI, served under this origin at `/temporal/` behind Switchboard's own sign-in.
 *
 * The UI server (`temporal server start-dev --ui-public-path /temporal`, or the `temporalio/ui`
 * image with `TEMPORAL_UI_PUBLIC_PATH=/temporal`) listens where only the API reaches it; every
 * request to `/temporal/…` is checked here, then passed through unchanged. Because the UI is
 * same-origin, its codec calls (`/api/temporal-codec/decode`) carry the operator's session cookie:
 * histories show decrypted, with no CORS and no "include credentials" setting.
 *
 * Who may do what, mirroring the UI server's own `DisableWriteActions` rule: GETs and workflow
 * queries (POST …/workflows/…/query/…) only read, so any member may; every other request changes a
 * workflow (terminate, cancel, reset, signal, update, batch operations, schedules) and needs the
 * owner role, and each one is written to the audit log (`temporal.<action>`). Non-owners get the
 * UI's settings with write actions disabled, so it shows them no buttons they cannot use.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { calls } from '../db/schema';
import type { Logger } from '../lib/logger';
import { audit } from './audit';
import { authenticate, SESSION_COOKIE } from './auth/authenticate';
import { DEFAULT_WORKSPACE_ID } from '../db/schema';
import { roleAtLeast, type Caller } from './auth/context';
import { sameOrigin } from './auth/middleware';

/** Where the UI lives on this origin; the UI server must be started with this public path. */
export const TEMPORAL_UI_PATH = '/temporal';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * The UI's pages run inline bootstrap scripts (the UI server drops its own nonce policy when served
 * under a path), so they get this policy instead of the app's: still nothing from other origins.
 */
const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

/** Whether a request to the UI server only reads (the UI server's own rule for `DisableWriteActions`). */
export function isTemporalUiRead(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return true;
  return method === 'POST' && /\/api\/v1\/namespaces\/[^/]+\/workflows\/[^/]+(\/runs\/[^/]+)?\/query\//.test(path);
}

/**
 * The audit action of a write: `temporal.terminate`, `temporal.reset`, `temporal.signal`, … (the
 * last fixed path segment the UI's API uses), and its workflow id when the path names one.
 */
export function temporalUiAction(path: string): { action: string; workflowId: string | null } {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  const at = parts.indexOf('workflows');
  const workflowId = at >= 0 && parts[at + 1] && !['signal-with-start', 'execute-multi-operation'].includes(parts[at + 1]!) ? parts[at + 1]! : null;
  const verbs = ['terminate', 'cancel', 'reset', 'signal', 'update', 'pause', 'unpause', 'batch-operations', 'schedules', 'delete', 'update-options'];
  const verb = [...parts].reverse().find((part) => verbs.includes(part)) ?? parts.at(-1) ?? 'request';
  return { action: `temporal.${verb}`, workflowId };
}

/**
 * The request's headers for the UI server: without hop-by-hop headers, and without Switchboard's
 * credentials (the session cookie and an API key mean nothing to Temporal); its own CSRF cookie stays.
 */
function forwardedHeaders(headers: IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'authorization') out[name] = value;
  const cookies = (headers.cookie ?? '').split(';').map((part) => part.trim()).filter((part) => part && !part.startsWith(`${SESSION_COOKIE}=`));
  if (cookies.length > 0) out.cookie = cookies.join('; ');
  else delete out.cookie;
  return out;
}

/** Turns the UI's settings into a read-only UI (for non-owners): write buttons are not shown. */
function readOnlySettings(body: string): string {
  const settings = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify({ ...settings, DisableWriteActions: true, BatchActionsDisabled: true, WorkflowTerminateDisabled: true, WorkflowCancelDisabled: true, WorkflowSignalDisabled: true, WorkflowUpdateDisabled: true, WorkflowResetDisabled: true });
}

export interface TemporalUiProxyOptions {
  db: Database;
  logger: Logger;
  /** Base URL of the UI server as the API reaches it, e.g. `http://127.0.0.1:8233` (it serves under /temporal). */
  upstream: string;
}

/** Mount at the root: it answers `/temporal` and everything under it, and passes other paths on. */
export function temporalUiProxy({ db, logger, upstream }: TemporalUiProxyOptions): RequestHandler {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  const refuse = (request: Request, response: Response, status: number, code: string, message: string) => {
    const page = (request.method === 'GET' || request.method === 'HEAD') && !request.path.startsWith(`${TEMPORAL_UI_PATH}/api/`) && request.accepts(['json', 'html']) === 'html';
    if (page && status === 401) {
      // A browser that is signed out: sign in, then come back here.
      response.redirect(302, `/sign-in?next=${encodeURIComponent(request.originalUrl)}`);
      return;
    }
    response.status(status).json({ error: { code, message } });
  };

  return async (request, response, next) => {
    if (request.path !== TEMPORAL_UI_PATH && !request.path.startsWith(`${TEMPORAL_UI_PATH}/`)) return next();
    let caller: Caller | null;
    try {
      caller = await authenticate(db, request.headers);
    } catch (error) {
      return next(error);
    }
    if (!caller) return refuse(request, response, 401, 'unauthenticated', 'Sign in to Switchboard to open the Temporal UI');
    // One Temporal namespace holds every workspace's workflows, and the UI lists them all (ids and
    // search attributes): it is the installation's operators' tool, for the default workspace only.
    if (caller.workspaceId !== DEFAULT_WORKSPACE_ID) {
      return refuse(request, response, 403, 'otherWorkspace', "The Temporal UI lists every workspace's workflows, so it is open to the installation's own workspace only; your calls are under Calls and History");
    }
    const read = isTemporalUiRead(request.method, request.path);
    if (!read) {
      // The UI server checks its own CSRF token as well; a session's change must also come from this origin.
      if (caller.via === 'session' && !sameOrigin(request.headers)) return refuse(request, response, 403, 'csrf', 'Changes through the Temporal UI must come from this origin');
      if (!roleAtLeast(caller.role, 'owner')) {
        return refuse(request, response, 403, 'forbidden', `Only owners may change a workflow through the Temporal UI (${request.method} ${request.path.slice(TEMPORAL_UI_PATH.length)}); you are a ${caller.role}`);
      }
    }
    const settings = request.method === 'GET' && request.path === `${TEMPORAL_UI_PATH}/api/v1/settings` && !roleAtLeast(caller.role, 'owner');
    const headers = forwardedHeaders(request.headers);
    headers.host = target.host;
    headers['x-forwarded-host'] = request.headers.host;
    headers['x-forwarded-proto'] = request.protocol;
    if (settings) headers['accept-encoding'] = 'identity';

    const upstreamRequest = http.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: request.method, path: request.originalUrl, headers, agent },
      (upstreamResponse) => {
        const status = upstreamResponse.statusCode ?? 502;
        if (!read) {
          const { action, workflowId } = temporalUiAction(request.path.slice(TEMPORAL_UI_PATH.length));
          void audit(db, { workspaceId: caller.workspaceId, actor: caller.actor, action, target: workflowId, details: { method: request.method, path: request.path.slice(TEMPORAL_UI_PATH.length), status } }).catch(
            (error: Error) => logger.error({ err: error.message }, 'could not write the audit entry of a Temporal UI action'),
          );
          // A terminated workflow records nothing more: its call would stay live in the app forever.
          // (Cancel instead lets the flow hang up and record the end itself.)
          if (action === 'temporal.terminate' && workflowId && status === 200) {
            void db
              .update(calls)
              .set({ status: 'failed', endReason: 'terminated', endedAt: new Date() })
              .where(and(eq(calls.workflowId, workflowId), eq(calls.workspaceId, caller.workspaceId), isNull(calls.endedAt)))
              .catch((error: Error) => logger.error({ err: error.message }, 'could not end the call of a terminated workflow'));
          }
        }
        const responseHeaders = { ...upstreamResponse.headers };
        // The app's own policy (helmet) would block the UI's scripts; the UI server's, if it sends one, wins.
        response.removeHeader('content-security-policy');
        responseHeaders['content-security-policy'] ??= UI_CONTENT_SECURITY_POLICY;
        for (const name of Object.keys(responseHeaders)) if (HOP_BY_HOP.has(name)) delete responseHeaders[name];
        if (settings && status === 200) {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('end', () => {
            delete responseHeaders['content-length'];
            response.status(status).set(responseHeaders as Record<string, string>).send(readOnlySettings(Buffer.concat(chunks).toString('utf8')));
          });
          return;
        }
        response.writeHead(status, responseHeaders);
        upstreamResponse.pipe(response);
      },
    );
    upstreamRequest.on('error', (error) => {
      logger.warn({ err: error.message }, 'the Temporal UI did not answer');
      if (!response.headersSent) refuse(request, response, 502, 'temporalUiUnavailable', `The Temporal UI at ${target.origin} did not answer (${(error as NodeJS.ErrnoException).code ?? error.message}); is it running?`);
      else response.destroy(error);
    });
    // Streams both ways: the request body (nothing has parsed it yet) and the answer, as they come.
    request.pipe(upstreamRequest);
    response.on('close', () => {
      if (!response.writableFinished) upstreamRequest.destroy();
    });
  };
}
