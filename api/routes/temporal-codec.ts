/**
 * The codec server the Temporal UI (and `temporal workflow show --codec-endpoint`) calls to show
 * encrypted payloads decrypted: `POST /api/temporal-codec/decode` and `/encode`, each taking and
 * answering `{ payloads: [{ metadata: { <key>: <base64> }, data: <base64> }] }`. The Temporal UI
 * runs on another origin, so the routes answer CORS for it (with credentials: operators' sessions).
 *
 * Decoding is per workspace: a payload is bound to the workflow that owns it (lib/privacy/payload-codec.ts),
 * and is decrypted only for members of that workflow's workspace. Payloads no workspace owns (encoded
 * outside a workflow, installation-wide workflows, histories from before binding) are decrypted only for
 * owners of the installation's default workspace (the one made at setup). Anything else comes back as it was: still encrypted.
 */
import { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_WORKSPACE_ID } from '../../db/schema';
import { roleAtLeast, type Caller } from '../auth/context';
import { HttpError, parse } from '../errors';
import { boundWorkflowId, isEncrypted } from '../../lib/privacy/payload-codec';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const jsonPayload = z.object({ metadata: z.record(z.string(), base64).optional().default({}), data: base64.optional().default('') });
export const codecBody = z.object({ payloads: z.array(jsonPayload).max(10_000) });

const fromJson = (payload: z.output<typeof jsonPayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data, 'base64'),
});
const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/** The origins allowed to call the codec: the Temporal UI's, also by its other loopback name. */
export function codecOrigins(temporalUiUrl: string): string[] {
  // No (valid) Temporal UI address: no other origin may call the codec.
  if (!URL.canParse(temporalUiUrl)) return [];
  const url = new URL(temporalUiUrl);
  const origins = [url.origin];
  for (const [from, to] of [['127.0.0.1', 'localhost'], ['localhost', '127.0.0.1']] as const) {
    if (url.hostname === from) origins.push(`${url.protocol}//${to}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}

/**
 * CORS for the Temporal UI's origin (with credentials: operators' sessions). A preflight (OPTIONS)
 * carries no credentials, so it is answered here, in front of the API's access check.
 */
export function codecCors(allowedOrigins: string[]): RequestHandler {
  return (request, response, next) => {
    const origin = request.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-allow-credentials', 'true');
      response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      response.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      response.setHeader('access-control-max-age', '600');
      response.setHeader('vary', 'origin');
    }
    if (request.method === 'OPTIONS') {
      response.status(origin && allowedOrigins.includes(origin) ? 204 : 403).end();
      return;
    }
    next();
  };
}

/** Who may read what: the caller, and the owning workspace of workflow ids. */
export interface CodecAccess {
  caller(): Caller;
  workflowOwners(workflowIds: string[]): Promise<Map<string, string>>;
}

/** The codec routes; mount `codecCors` in front of the access check for the Temporal UI. */
export function temporalCodecRoutes(codec: PayloadCodec, access: CodecAccess): Router {
  const router = Router();
  const failed = (direction: string, error: unknown) => new HttpError(422, 'codecFailed', `Could not ${direction} the payloads: ${(error as Error).message}`);

  router.post('/temporal-codec/encode', async (request, response) => {
    const { payloads } = parse(codecBody, request.body);
    try {
      // No workflow context here: what the endpoint encodes is bound to no workflow.
      response.json({ payloads: (await codec.encode(payloads.map(fromJson))).map(toJson) });
    } catch (error) {
      throw failed('encode', error);
    }
  });

  router.post('/temporal-codec/decode', async (request, response) => {
    const payloads = parse(codecBody, request.body).payloads.map(fromJson);
    const caller = access.caller();
    const bound = payloads.filter(isEncrypted).map(boundWorkflowId);
    const owners = await access.workflowOwners([...new Set(bound.filter((id): id is string => id !== undefined))]);
    const unownedReadable = bound.some((id) => id === undefined || !owners.has(id)) && roleAtLeast(caller.role, 'owner') && caller.workspaceId === DEFAULT_WORKSPACE_ID;
    const readable = (payload: Payload) => {
      if (!isEncrypted(payload)) return true;
      const owner = owners.get(boundWorkflowId(payload) ?? '');
      return owner === undefined ? unownedReadable : owner === caller.workspaceId;
    };
    const mine = payloads.map(readable);
    let decoded: Payload[];
    try {
      decoded = await codec.decode(payloads.filter((_, index) => mine[index]));
    } catch (error) {
      throw failed('decode', error);
    }
    // Another workspace's payloads come back as they came: encrypted.
    let next = 0;
    const answer = payloads.map((payload, index) => (mine[index] ? decoded[next++]! : payload));
    response.json({ payloads: answer.map(toJson) });
  });
  return router;
}
