import { fileURLToPath } from 'node:url';
import type { Client, Connection } from '@temporalio/client';
import express from 'express';
import type pg from 'pg';
import type { Database } from '../db/client';
import type { Logger } from '../lib/logger';
import { errorHandler, unknownRoute } from './errors';
import { checkJsonBody, checkPathAndQuery } from './json-limits';
import { callRoutes, temporalLinker } from './routes/calls';
import { testCallRoutes, type TestCallLiveKit } from './routes/test-calls';
import type { TestRunWorker } from '../workers/scripted-worker';
import { callHistoryRoutes } from './routes/call-history';
import { flowRoutes } from './routes/flows';
import { flowImportRoutes } from './routes/flow-import';
import { whatIfRoutes } from './routes/what-if';
import { phoneTriggerRoutes } from './routes/phone-triggers';
import { assetRoutes } from './routes/assets';
import { workspaceRoutes } from './routes/workspace';
import { promptRoutes } from './routes/prompts';
import { startWarmPrompts, warmLivePromptsInBackground } from './prompt-warming';
import { DEFAULT_WORKSPACE_ID } from '../db/schema';
import { checkNumberClaim, createTelnyxApi, readTelnyxCredentials, telnyxApiRoutes, telnyxCredentialRoutes, telnyxWebhookRoutes } from './telnyx';
import type { BlobStore } from '../lib/blob-store';
import type { Registry } from 'prom-client';
import { createHttpMetrics } from '../lib/metrics';
import { createSipProvisioner, type LiveKitApiAccess } from './telephony/sip-provisioning';
import { liveKitWebhookRoutes } from './telephony/livekit-webhooks';
import { doNotCallRoutes } from './telephony/do-not-call-routes';
import type { StartCallRequest } from './start-call';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { currentCaller, currentWorkspace } from './auth/context';
import { accessControl, liveWorkspaceResolver, sameOrigin } from './auth/middleware';
import { temporalUiProxy } from './temporal-ui';
import { accountRoutes, authRoutes } from './auth/routes';
import { normalizeEmail } from './auth/accounts';
import { loadSecretKey } from '../lib/secrets';
import { audit } from './audit';
import type { PrivacyKeys } from '../lib/privacy/keys';
import { EncryptionCodec } from '../lib/privacy/payload-codec';
import type { Health } from '../lib/contracts/api-responses';
import { codecCors, codecOrigins, temporalCodecRoutes } from './routes/temporal-codec';
import { workflowOwners } from '../lib/workflow-owners';
import { privacyRoutes } from './routes/privacy';

export interface AppDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  /** Base of the links from a call to its Temporal UI page (`/temporal`: the UI served by this API). */
  temporalUiUrl: string;
  /** The Temporal UI server (started with public path /temporal) that `/temporal/` proxies to, behind sign-in; without it, no proxy. */
  temporalUiUpstream?: string;
  namespace: string;
  /** Uploaded audio and recordings. */
  blobs: BlobStore;
  /** Prometheus registry: request durations are recorded in it and it is served at GET /metrics. */
  metrics?: Registry;
  /**
   * LiveKit server API access: phone triggers are provisioned as LiveKit SIP trunks and dispatch
   * rules, and LiveKit's webhooks (signed with this key) start SIP calls. Without it neither happens.
   */
  liveKit?: LiveKitApiAccess;
  /** Per-call media overrides for calls started from LiveKit webhooks (tests use short ones). */
  sipCallMedia?: StartCallRequest['media'];
  /** Sees every verified LiveKit webhook (event name and room). */
  onLiveKitWebhook?: (event: { event: string; room: string | undefined }) => void;
  /** Key for provider credentials at rest; default SWITCHBOARD_SECRET_KEY, else data/secret.key (api/auth/secrets.ts). Read on first use. */
  secretKey?: Buffer;
  /** Session lifetime in hours; default env SWITCHBOARD_SESSION_TTL_HOURS, else 168 (7 days). */
  sessionTtlHours?: number;
  /** Requests per minute per client address; defaults from SWITCHBOARD_API_RATE_LIMIT (600), SWITCHBOARD_WEBHOOK_RATE_LIMIT (1200), SWITCHBOARD_SIGN_IN_RATE_LIMIT (10 failed sign-ins per 15 min, per address and, unless `signInPerAccount` says otherwise, per account). */
  rateLimits?: { api?: number; webhooks?: number; signIn?: number; signInPerAccount?: number };
  /** LiveKit as browsers reach it, for test calls from the builder; without it they answer 503. */
  testCallLiveKit?: TestCallLiveKit;
  /** The worker that answers test runs' activities from their scripts; without it they answer 503. */
  testRuns?: TestRunWorker;
  /** How long a call-history export may make no progress (a client that stops reading) before it is cut and its database connection released (ms); default 30000. */
  exportStallMs?: number;
  /** Payload, storage and caller-hash keys (docs/privacy.md). */
  privacy: PrivacyKeys;
}

const numberFromEnv = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, got '${value}'`);
  return parsed;
};

/**
 * The matched route's pattern, e.g. `/api/flows/:flowId` (never the raw path, which may hold ids or
 * numbers). A failed request has left its routers by the time it finishes, so the mount path is
 * rebuilt from the URL: the path minus as many segments as the route pattern has.
 */
function routeLabel(request: express.Request, status: number): string {
  const route = request.route as { path?: unknown } | undefined;
  if (!route) return status === 404 ? 'unmatched' : 'static';
  const path = new URL(request.originalUrl, 'http://x').pathname;
  if (typeof route.path !== 'string') return Array.isArray(route.path) && route.path.includes(path) ? path : 'unknown';
  const segments = path.split('/').filter(Boolean);
  const patternSegments = route.path.split('/').filter(Boolean).length;
  const base = segments.slice(0, Math.max(0, segments.length - patternSegments)).join('/');
  return `${base ? `/${base}` : ''}${route.path}`;
}

/**
 * The workspace the current /api request acts in: the signed-in user's or the API key's (see
 * api/auth/middleware.ts, which authenticates every /api route first). Route factories take it as
 * their `workspaceId` resolver, so every query they make is scoped to the caller's workspace.
 * WebSocket upgrades are authenticated by {@link liveWorkspaceResolver} instead.
 */
// The parameter is ignored (kept so callers written against the old signature still compile);
// outside an authenticated /api request this throws 401.
export const requestWorkspace = (_request?: unknown): string => currentWorkspace();
export { liveWorkspaceResolver };

/** JSON bodies: before sign-in (sign-in, setup), after it, and the codec's (whole histories). Never inflated. */
export const PRE_SIGN_IN_BODY_LIMIT = '16kb';
export const API_BODY_LIMIT = '1mb';
export const CODEC_BODY_LIMIT = '32mb';

const limited = (perWindow: number, windowMs: number, message: string, extra: Parameters<typeof rateLimit>[0] = {}) =>
  rateLimit({
    windowMs,
    limit: perWindow,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_request, response) => void response.status(429).json({ error: { code: 'rateLimited', message } }),
    ...extra,
  });

/** The origins a browser uses to reach LiveKit at `url` (ws:// or wss://): the WebSocket and its HTTP twin. */
function liveKitBrowserOrigins(url: string): string[] {
  try {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
    return [`${secure ? 'wss' : 'ws'}://${parsed.host}`, `${secure ? 'https' : 'http'}://${parsed.host}`];
  } catch {
    return [];
  }
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  let secretKey = deps.secretKey;
  const key = () => (secretKey ??= loadSecretKey());
  const sessionTtlMs = (deps.sessionTtlHours ?? numberFromEnv('SWITCHBOARD_SESSION_TTL_HOURS', process.env.SWITCHBOARD_SESSION_TTL_HOURS, 168)) * 3600_000;
  const limits = {
    api: deps.rateLimits?.api ?? numberFromEnv('SWITCHBOARD_API_RATE_LIMIT', process.env.SWITCHBOARD_API_RATE_LIMIT, 600),
    webhooks: deps.rateLimits?.webhooks ?? numberFromEnv('SWITCHBOARD_WEBHOOK_RATE_LIMIT', process.env.SWITCHBOARD_WEBHOOK_RATE_LIMIT, 1200),
    signIn: deps.rateLimits?.signIn ?? numberFromEnv('SWITCHBOARD_SIGN_IN_RATE_LIMIT', process.env.SWITCHBOARD_SIGN_IN_RATE_LIMIT, 10),
  };
  // Security headers. The app's scripts and styles are files from this origin; React sets inline
  // style attributes (allowed: 'unsafe-inline' for styles only); the live view's WebSocket is
  // same-origin ('self'); recordings and the icon are blob:/data: URLs. Test calls from the builder
  // connect to LiveKit (its signalling WebSocket and HTTP validation), which is another origin.
  const liveKitOrigins = deps.testCallLiveKit ? liveKitBrowserOrigins(deps.testCallLiveKit.publicUrl) : [];
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'media-src': ["'self'", 'blob:'],
          'connect-src': ["'self'", ...liveKitOrigins],
          'font-src': ["'self'", 'data:'],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          // Served over plain http on a LAN too: do not force https.
          'upgrade-insecure-requests': null,
        },
      },
      strictTransportSecurity: false,
    }),
  );
  const { metrics } = deps;
  if (metrics) {
    const durations = createHttpMetrics(metrics);
    app.use((request, response, next) => {
      const end = durations.startTimer();
      response.once('finish', () => end({ method: request.method, route: routeLabel(request, response.statusCode), status: String(response.statusCode) }));
      next();
    });
    app.get('/metrics', async (_request, response) => {
      response.type('text/plain; version=0.0.4').send(await metrics.metrics());
    });
  }
  // Telnyx webhooks are signed over the raw body: mounted before the JSON parser.
  app.use('/api/telnyx/webhooks', limited(limits.webhooks, 60_000, 'Too many webhooks from this address; Telnyx retries later'));
  // Telnyx webhooks carry no workspace: they are checked with the default workspace's public key.
  app.use(
    telnyxWebhookRoutes({
      db: deps.db,
      temporal: deps.temporal,
      logger: deps.logger,
      resolvePublicKey: async () => (await readTelnyxCredentials(deps.db, key(), DEFAULT_WORKSPACE_ID)).publicKey,
    }),
  );
  // LiveKit webhooks are signed over the raw body too; without LiveKit access they answer 503.
  app.use('/api/livekit/webhooks', limited(limits.webhooks, 60_000, 'Too many webhooks from this address; LiveKit retries later'));
  app.use(
    liveKitWebhookRoutes({
      db: deps.db,
      temporal: deps.temporal,
      logger: deps.logger,
      liveKit: deps.liveKit,
      callerHashKey: deps.privacy.callerHashKey,
      ...(deps.sipCallMedia ? { media: deps.sipCallMedia } : {}),
      ...(deps.onLiveKitWebhook ? { onVerified: deps.onLiveKitWebhook } : {}),
    }),
  );
  // The Temporal UI at /temporal/, behind sign-in; before the body parsers, so bodies stream through.
  if (deps.temporalUiUpstream) app.use(temporalUiProxy({ db: deps.db, logger: deps.logger, upstream: deps.temporalUiUpstream }));
  app.use('/api', limited(limits.api, 60_000, 'Too many requests from this address: wait a minute and try again'), checkPathAndQuery);
  const workspaceId = () => requestWorkspace();

  // The API is live and ready when it reaches its database and Temporal (the builder polls /healthz).
  app.get(['/healthz', '/readyz'], async (_request, response) => {
    const checks = await Promise.allSettled([deps.db.execute('select 1'), (deps.temporal.connection as Connection).healthService.check({})]);
    const [database, temporal] = checks.map((check): Health['database'] => (check.status === 'fulfilled' ? 'ok' : 'unreachable')) as [Health['database'], Health['temporal']];
    const healthy = database === 'ok' && temporal === 'ok';
    response.status(healthy ? 200 : 503).json({ healthy, database, temporal } satisfies Health);
  });

  const api = express.Router();
  // Bodies are parsed only once they may be needed, never inflated (a 30 KB gzip body can expand to
  // 30 MB and stall the event loop): before sign-in a few kilobytes, after it the route's limit.
  const preSignInBody = express.json({ limit: PRE_SIGN_IN_BODY_LIMIT, inflate: false });
  api.use('/auth', preSignInBody, checkJsonBody);
  // Signing in is the only thing possible without an account.
  api.use(
    authRoutes(deps.db, {
      sessionTtlMs,
      signInLimiter: [
        limited(limits.signIn, 15 * 60_000, 'Too many failed sign-ins from this address: wait 15 minutes', { skipSuccessfulRequests: true }),
        // Per account too, so guesses spread over many addresses still stop (the account is named by the body's email).
        limited(deps.rateLimits?.signInPerAccount ?? limits.signIn, 15 * 60_000, 'Too many failed sign-ins for this account: wait 15 minutes', {
          skipSuccessfulRequests: true,
          keyGenerator: (request) => `account:${normalizeEmail(String((request.body as { email?: unknown } | undefined)?.email ?? ''))}`,
        }),
      ],
    }),
  );
  // The Temporal UI (another origin) asks before each codec call: its CORS preflight carries no
  // credentials, so it is answered here; the codec calls themselves need a caller like the rest.
  const temporalUiOrigins = codecOrigins(deps.temporalUiUrl);
  api.use('/temporal-codec', codecCors(temporalUiOrigins));
  // Everything after this line needs a caller, and a role that fits the method (api/auth/middleware.ts).
  api.use(
    accessControl(deps.db, {
      // Decoding changes nothing (viewers read histories too; encoding needs a builder); the codec's
      // answers are readable by this origin (the UI at /temporal/) and a separate Temporal UI's
      // (CORS) alone, and the UI cannot send the app's CSRF header.
      crossOriginReads: (request) => {
        const origin = request.get('origin');
        return request.path.startsWith('/temporal-codec/') && origin !== undefined && (sameOrigin(request.headers) || temporalUiOrigins.includes(origin));
      },
      readOnlyPosts: (request) => request.path === '/temporal-codec/decode',
    }),
  );
  // The Temporal UI decodes a whole history's payloads at once: a larger limit for the codec.
  api.use('/temporal-codec', express.json({ limit: CODEC_BODY_LIMIT, inflate: false }));
  api.use(express.json({ limit: API_BODY_LIMIT, inflate: false }), checkJsonBody);
  api.use(accountRoutes(deps.db, key));
  api.use(
    flowRoutes(deps.db, workspaceId, {
      // Cache the new version's static prompts on a media worker, so callers never wait for them.
      onPublished: async ({ id, flowId, version, flow }) => {
        const caller = currentCaller();
        await audit(deps.db, { workspaceId: caller.workspaceId, actor: caller.actor, action: 'flow.publish', target: flowId, details: { version, versionId: id } }).catch((error: Error) =>
          deps.logger.error({ err: error.message }, 'could not write the audit entry of a publish'),
        );
        await startWarmPrompts(deps.temporal, id, flow).catch((error: Error) =>
          deps.logger.warn({ err: error.message, versionId: id }, 'could not start caching the prompts of a published flow'),
        );
        // And as each number that runs it speaks it (its own voice, its own lines).
        warmLivePromptsInBackground(deps.db, deps.temporal, deps.logger, { flowId });
      },
    }),
  );
  api.use(flowImportRoutes(deps.db, workspaceId));
  api.use(promptRoutes(deps.temporal, deps.blobs));
  api.use(assetRoutes(deps.db, deps.blobs, workspaceId));
  api.use(workspaceRoutes(deps.db, workspaceId));
  api.use(telnyxCredentialRoutes(deps.db, workspaceId, key));
  // The workspace's stored Telnyx key, else TELNYX_API_KEY.
  api.use(telnyxApiRoutes(async () => createTelnyxApi({ apiKey: (await readTelnyxCredentials(deps.db, key(), workspaceId())).apiKey ?? '' })));
  api.use(
    phoneTriggerRoutes(deps.db, workspaceId, deps.liveKit ? createSipProvisioner(deps.db, deps.liveKit, key) : undefined, {
      secretKey: key,
      checkNumberClaim: (workspace, phoneNumber) => checkNumberClaim(deps.db, key(), workspace, phoneNumber),
      // The number's prompts as it speaks them, cached before its first call.
      onSaved: (triggerId) => warmLivePromptsInBackground(deps.db, deps.temporal, deps.logger, { triggerId }),
    }),
  );
  api.use(doNotCallRoutes(deps.db, workspaceId));
  api.use(callRoutes(deps.db, deps.temporal, workspaceId, deps.temporalUiUrl, deps.namespace, deps.privacy.callerHashKey));
  api.use(testCallRoutes(deps.db, deps.temporal, workspaceId, deps.testCallLiveKit, deps.testRuns, deps.privacy.callerHashKey));
  api.use(whatIfRoutes(deps.db, deps.temporal, workspaceId, deps.testRuns));
  api.use(
    temporalCodecRoutes(new EncryptionCodec(deps.privacy.payloadKeys), {
      caller: currentCaller,
      workflowOwners: (ids) => workflowOwners(deps.db, ids),
    }),
  );
  api.use(
    privacyRoutes({
      db: deps.db,
      blobs: deps.blobs,
      temporal: deps.temporal,
      namespace: deps.namespace,
      callerHashKey: deps.privacy.callerHashKey,
      workspaceId,
      temporalUiUrl: deps.temporalUiUrl,
    }),
  );
  api.use(callHistoryRoutes(deps.db, (deps.db as unknown as { $client: pg.Pool }).$client, workspaceId, temporalLinker(deps.temporalUiUrl, deps.namespace), { exportStallMs: deps.exportStallMs }));
  app.use('/api', api);

  // ---- Builder app (web/) --------------------------------------------------------------------
  // Serves web/dist (`npm run build -w web`) when it has been built: hashed assets are cached for
  // good, and any other GET for a page (not /api, /healthz or a file) gets index.html, so client
  // routes like /flows/<id> load. Without a build, pages answer 503 saying how to build it.
  const webDist = fileURLToPath(new URL('../web/dist/', import.meta.url));
  app.use(
    express.static(webDist, {
      index: false,
      setHeaders: (response, file) => {
        response.setHeader('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.use((request, response, next) => {
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !/^\/(api|healthz|readyz|metrics)(\/|$)/.test(request.path) && !/\.[A-Za-z0-9]+$/.test(request.path);
    if (!isPage || !request.accepts('html')) return next();
    response.setHeader('cache-control', 'no-cache');
    response.sendFile('index.html', { root: webDist }, (error) => {
      if (!error) return;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || response.headersSent) return next(error);
      response
        .status(503)
        .type('text/plain')
        .send('The Switchboard web app has not been built yet: run `npm run build -w web`, then reload this page.\n');
    });
  });
  // ---- end of builder app --------------------------------------------------------------------

  app.use(unknownRoute);
  app.use(errorHandler((error) => deps.logger.error({ err: error }, 'request failed')));
  return app;
}
