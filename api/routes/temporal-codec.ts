/**
 * The codec server the Temporal UI (and `temporal workflow show --codec-endpoint`) calls to show
 * encrypted payloads decrypted: `POST /api/temporal-codec/decode` and `/encode`, each taking and
 * answering `{ payloads: [{ metadata: { <key>: <base64> }, data: <base64> }] }`. The Temporal UI
 * runs on another origin, so the routes answer CORS for it (with credentials: operators' sessions).
 */
import { Router, type RequestHandler } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { HttpError, parse } from '../errors';

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

/** The codec routes; mount `codecCors` in front of the access check for the Temporal UI. */
export function temporalCodecRoutes(codec: PayloadCodec): Router {
  const router = Router();
  const handle = (direction: 'encode' | 'decode'): RequestHandler => async (request, response) => {
    const { payloads } = parse(codecBody, request.body);
    try {
      const result = await codec[direction](payloads.map(fromJson));
      response.json({ payloads: result.map(toJson) });
    } catch (error) {
      throw new HttpError(422, 'codecFailed', `Could not ${direction} the payloads: ${(error as Error).message}`);
    }
  };
  router.post('/temporal-codec/encode', handle('encode'));
  router.post('/temporal-codec/decode', handle('decode'));
  return router;
}
