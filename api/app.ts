import type { IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Client, Connection } from '@temporalio/client';
import express from 'express';
import type pg from 'pg';
import type { Database } from '../db/client';
import { DEFAULT_WORKSPACE_ID } from '../db/schema';
import type { Logger } from '../lib/logger';
import { errorHandler, unknownRoute } from './errors';
import { callRoutes, temporalLinker } from './routes/calls';
import { testCallRoutes, type TestCallLiveKit } from './routes/test-calls';
import type { TestRunWorker } from './test-runs/scripted-worker';
import { callHistoryRoutes } from './routes/call-history';
import { flowRoutes } from './routes/flows';
import { phoneTriggerRoutes } from './routes/phone-triggers';
import { assetRoutes } from './routes/assets';
import { workspaceRoutes } from './routes/workspace';
import { promptRoutes } from './routes/prompts';
import { staticPrompts } from '@switchboard/flow-model';
import { FLOW_TASK_QUEUE } from '../workflows/definitions';
import { createTelnyxApi, readTelnyxCredentials, telnyxApiRoutes, telnyxCredentialRoutes, telnyxWebhookRoutes } from './telnyx';
import type { BlobStore } from '../lib/blob-store';
import type { Registry } from 'prom-client';
import { createHttpMetrics } from '../lib/metrics';

export interface AppDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  temporalUiUrl: string;
  namespace: string;
  /** Uploaded audio and recordings. */
  blobs: BlobStore;
  /** Prometheus registry: request durations are recorded in it and it is served at GET /metrics. */
  metrics?: Registry;
  /** LiveKit as browsers reach it, for test calls from the builder; without it they answer 503. */
  liveKit?: TestCallLiveKit;
  /** The worker that answers test runs' activities from their scripts; without it they answer 503. */
  testRuns?: TestRunWorker;
}

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
 * The workspace a request acts in. Until accounts arrive (issue 8) every request, HTTP or
 * WebSocket, acts in the default workspace; authentication replaces this one function.
 */
export const requestWorkspace = (_request?: IncomingMessage): string => DEFAULT_WORKSPACE_ID;

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
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
  app.use(
    telnyxWebhookRoutes({
      db: deps.db,
      temporal: deps.temporal,
      logger: deps.logger,
      resolvePublicKey: async () => (await readTelnyxCredentials(deps.db, requestWorkspace())).publicKey,
    }),
  );
  app.use(express.json({ limit: '1mb' }));
  const workspaceId = () => requestWorkspace();

  // The API is live and ready when it reaches its database and Temporal (the builder polls /healthz).
  app.get(['/healthz', '/readyz'], async (_request, response) => {
    const checks = await Promise.allSettled([deps.db.execute('select 1'), (deps.temporal.connection as Connection).healthService.check({})]);
    const [database, temporal] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const healthy = database === 'ok' && temporal === 'ok';
    response.status(healthy ? 200 : 503).json({ healthy, database, temporal });
  });

  const api = express.Router();
  api.use(
    flowRoutes(deps.db, workspaceId, {
      // Cache the new version's static prompts on a media worker, so callers never wait for them.
      onPublished: async ({ id, flow }) => {
        const prompts = staticPrompts(flow).map(({ text, voice, language }) => ({ text, ...(voice ? { voice } : {}), ...(language ? { language } : {}) }));
        if (prompts.length === 0) return;
        await deps.temporal.workflow
          .start('warmPrompts', { taskQueue: FLOW_TASK_QUEUE, workflowId: `warm-prompts-${id}`, args: [{ prompts }] })
          .then(
            () => undefined,
            (error: Error) => deps.logger.warn({ err: error.message, versionId: id }, 'could not start caching the prompts of a published flow'),
          );
      },
    }),
  );
  api.use(promptRoutes(deps.temporal, deps.blobs));
  api.use(assetRoutes(deps.db, deps.blobs, workspaceId));
  api.use(workspaceRoutes(deps.db, workspaceId));
  api.use(telnyxCredentialRoutes(deps.db, workspaceId));
  api.use(telnyxApiRoutes(async () => createTelnyxApi({ apiKey: (await readTelnyxCredentials(deps.db, workspaceId())).apiKey ?? '' })));
  api.use(phoneTriggerRoutes(deps.db, workspaceId));
  api.use(callRoutes(deps.db, deps.temporal, workspaceId, deps.temporalUiUrl, deps.namespace));
  api.use(testCallRoutes(deps.db, deps.temporal, workspaceId, deps.liveKit, deps.testRuns));
  api.use(callHistoryRoutes(deps.db, (deps.db as unknown as { $client: pg.Pool }).$client, workspaceId, temporalLinker(deps.temporalUiUrl, deps.namespace)));
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
