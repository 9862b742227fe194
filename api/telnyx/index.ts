export { telnyxApiRoutes } from './api-routes';
export { acceptTelnyxEvent, matchCall, telnyxWebhookBody, type AcceptedEvent, type TelnyxEvent } from './call-events';
export { createTelnyxApi, type TelnyxApi, type TelnyxApiOptions } from './client';
export { telnyxEvents } from '../../db/schema';
export { verifyTelnyxWebhook } from './verify';
export { TELNYX_WEBHOOK_PATH, telnyxWebhookRoutes, type TelnyxWebhookDeps } from './webhook-routes';
export { checkNumberClaim } from './number-claims';
export { readTelnyxCredentials, saveTelnyxCredentials, telnyxCredentialRoutes, withoutSecrets, credentialsBody } from './credentials';
