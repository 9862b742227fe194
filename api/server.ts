/** The API server: `node --import tsx api/server.ts` (PORT, DATABASE_URL, TEMPORAL_ADDRESS). */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTestRunWorker } from './test-runs/scripted-worker';
import { connectDatabase } from '../db/client';
import { readEnv } from '../lib/env';
import { createLogger } from '../lib/logger';
import { createApp, liveWorkspaceResolver } from './app';
import { attachCallEventStream } from './live/call-event-stream';
import { LocalBlobStore } from '../lib/blob-store';
import { createMetricsRegistry } from '../lib/metrics';
import { userCount } from './auth/accounts';

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger('api', env.LOG_LEVEL);
  const database = connectDatabase(env.DATABASE_URL);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  // Test runs from the builder: their scripted activities are answered in this process.
  const workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const testRuns = await createTestRunWorker({ connection: workerConnection, namespace: env.TEMPORAL_NAMESPACE });
  const testRunsDone = testRuns.run().catch((error: Error) => logger.error({ err: error.message }, 'the test run worker stopped'));
  const app = createApp({
    db: database.db,
    temporal,
    logger,
    temporalUiUrl: env.TEMPORAL_UI_URL,
    namespace: env.TEMPORAL_NAMESPACE,
    blobs: new LocalBlobStore(env.SWITCHBOARD_STORAGE_DIR),
    metrics: createMetricsRegistry('api'),
    liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
    testRuns,
    testCallLiveKit: { publicUrl: env.LIVEKIT_PUBLIC_URL ?? env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
  });
  const server = app.listen(env.PORT, env.LISTEN_HOST, () => {
    logger.info({ port: env.PORT, host: env.LISTEN_HOST }, `API listening on http://${env.LISTEN_HOST}:${env.PORT}`);
    void userCount(database.db).then(
      (users) => {
        if (users === 0) logger.info(`No account yet: open http://${env.LISTEN_HOST}:${env.PORT} and create the owner account`);
      },
      () => undefined,
    );
  });
  const live = attachCallEventStream(server, { pool: database.pool, logger, resolveWorkspace: liveWorkspaceResolver(database.db) });
  const stop = () => {
    void live.close();
    testRuns.shutdown();
    server.close(async () => {
      await testRunsDone;
      await workerConnection.close();
      await connection.close();
      await database.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    console.error(`API failed to start: ${error.message}`);
    process.exit(1);
  });
}
