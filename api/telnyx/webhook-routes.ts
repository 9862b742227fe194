import type { Client } from '@temporalio/client';
import express, { Router } from 'express';
import type { Database } from '../../db/client';
import { DEFAULT_WORKSPACE_ID } from '../../db/schema';
import type { Logger } from '../../lib/logger';
import { HttpError, parse } from '../errors';
import { acceptTelnyxEvent, telnyxWebhookBody } from './call-events';
import { verifyTelnyxWebhook } from './verify';

export const TELNYX_WEBHOOK_PATH = '/api/telnyx/webhooks';

/** What the Telnyx webhook route needs. */
export interface TelnyxWebhookDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  /** Base64 Ed25519 public key from Telnyx Mission Control; default env TELNYX_PUBLIC_KEY. */
  publicKey?: string | undefined;
  /** Looks the public key up per request (the workspace's stored one); used when `publicKey` is not given. */
  resolvePublicKey?: () => Promise<string | undefined>;
  workspaceId?: () => string;
}

/**
 * `POST /api/telnyx/webhooks`: Telnyx call events, signature-checked over the raw body. The
 * router declares the full path and reads the body itself, so mount it with `app.use()` before
 * `express.json()` (which would otherwise consume the body the signature covers).
 */
export function telnyxWebhookRoutes(deps: TelnyxWebhookDeps): Router {
  const router = Router();
  const workspaceId = deps.workspaceId ?? (() => DEFAULT_WORKSPACE_ID);

  router.post(TELNYX_WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb', inflate: false }), async (request, response) => {
    const publicKey = deps.publicKey ?? (deps.resolvePublicKey ? await deps.resolvePublicKey() : process.env.TELNYX_PUBLIC_KEY);
    if (!publicKey) {
      throw new HttpError(503, 'telnyxNotConfigured', 'Save the Telnyx public key under Connections (or set TELNYX_PUBLIC_KEY) to the one shown in Telnyx Mission Control');
    }
    if (request.body !== undefined && !Buffer.isBuffer(request.body)) {
      // A JSON parser ran first: the bytes Telnyx signed are gone.
      throw new HttpError(500, 'rawBodyUnavailable', 'The Telnyx webhook route must be mounted before express.json()');
    }
    const rawBody: Buffer = request.body ?? Buffer.alloc(0);

    const json = await verifyTelnyxWebhook(rawBody, request.headers, publicKey);
    const { data: event } = parse(telnyxWebhookBody, json);
    if (!event.event_type.startsWith('call.')) {
      deps.logger.debug({ eventType: event.event_type, eventId: event.id }, 'telnyx event ignored: not a call event');
      response.json({ received: true, ignored: true });
      return;
    }

    const result = await acceptTelnyxEvent(deps.db, deps.temporal, workspaceId(), event);
    deps.logger.info(
      { eventType: event.event_type, eventId: event.id, callSessionId: event.payload.call_session_id, ...result },
      result.stored ? 'telnyx call event stored' : 'telnyx call event redelivered',
    );
    response.json({ received: true, duplicate: !result.stored, callId: result.callId, hangupSignalled: result.hangupSignalled });
  });

  return router;
}
