import type { Client, Connection } from '@temporalio/client';
import express from 'express';
import type { Database } from '../db/client';
import { DEFAULT_WORKSPACE_ID } from '../db/schema';
import type { Logger } from '../lib/logger';
import { errorHandler, unknownRoute } from './errors';
import { callRoutes } from './routes/calls';
import { flowRoutes } from './routes/flows';
import { phoneTriggerRoutes } from './routes/phone-triggers';

export interface AppDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  temporalUiUrl: string;
  namespace: string;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));
  // Until accounts arrive, every request acts in the default workspace.
  const workspaceId = () => DEFAULT_WORKSPACE_ID;

  app.get('/healthz', async (_request, response) => {
    const checks = await Promise.allSettled([deps.db.execute('select 1'), (deps.temporal.connection as Connection).healthService.check({})]);
    const [database, temporal] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const healthy = database === 'ok' && temporal === 'ok';
    response.status(healthy ? 200 : 503).json({ healthy, database, temporal });
  });

  const api = express.Router();
  api.use(flowRoutes(deps.db, workspaceId));
  api.use(phoneTriggerRoutes(deps.db, workspaceId));
  api.use(callRoutes(deps.db, deps.temporal, workspaceId, deps.temporalUiUrl, deps.namespace));
  app.use('/api', api);
  app.use(unknownRoute);
  app.use(errorHandler((error) => deps.logger.error({ err: error }, 'request failed')));
  return app;
}
