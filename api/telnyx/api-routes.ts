import { Router } from 'express';
import type { TelnyxApi } from './client';

/**
 * The Telnyx account as the builder sees it, under the `/api` router:
 * `GET /telnyx/numbers`, `POST /telnyx/test-connection`, `GET /telnyx/connections`.
 * Upstream failures answer 502 with `telnyxUnauthorized`, `telnyxUnreachable` or `telnyxError`;
 * no API key configured (neither the workspace's Telnyx credential nor TELNYX_API_KEY) answers 503 `telnyxNotConfigured`.
 */
export function telnyxApiRoutes(api: TelnyxApi | (() => Promise<TelnyxApi>)): Router {
  const router = Router();
  /** The client for this request (the workspace's credentials may have changed since the last). */
  const client = async () => (typeof api === 'function' ? api() : api);

  router.get('/telnyx/numbers', async (_request, response) => {
    response.json(await (await client()).listNumbers());
  });

  /** Always 200 once configured: `{ ok: true }`, or `{ ok: false, error }` saying why the key was refused. */
  router.post('/telnyx/test-connection', async (_request, response) => {
    response.json(await (await client()).testConnection());
  });

  router.get('/telnyx/connections', async (_request, response) => {
    response.json(await (await client()).listSipConnections());
  });

  return router;
}
