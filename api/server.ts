/** The API server: `node --import tsx api/server.ts` (PORT, DATABASE_URL, TEMPORAL_ADDRESS). */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createTestRunWorker } from '../workers/scripted-worker';
import { connectDatabase } from '../db/client';
import { readEnv } from '../lib/env';
import { createLogger, temporalLogger } from '../lib/logger';
import { createApp, liveWorkspaceResolver } from './app';
import { attachCallEventStream } from './live/call-event-stream';
import { LocalBlobStore } from '../lib/blob-store';
import { createMetricsRegistry } from '../lib/metrics';
import { userCount } from './auth/accounts';
import { readPrivacyKeys } from '../lib/privacy/keys';
import { encryptingDataConverter } from '../lib/privacy/payload-codec';
import { EncryptedBlobStore } from '../lib/privacy/encrypted-blob-store';
import { ensureRetentionSchedule } from './retention-schedule';
import { startSipRoomSweep } from './telephony/livekit-webhooks';
import { createPrivacyWorker } from '../workers/privacy-worker';
import { warmLivePromptsInBackground } from './prompt-warming';

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger('api', env.LOG_LEVEL);
  const privacy = readPrivacyKeys(env);
  const dataConverter = encryptingDataConverter(privacy.payloadKeys);
  const database = connectDatabase(env.DATABASE_URL);
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
  const blobs = new EncryptedBlobStore(new LocalBlobStore(env.SWITCHBOARD_STORAGE_DIR), privacy.storageKeys);
  Runtime.install({ logger: temporalLogger(logger) });
  // Test runs from the builder: their scripted activities are answered in this process.
  const workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const testRuns = await createTestRunWorker({ connection: workerConnection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
  const testRunsDone = testRuns.run().catch((error: Error) => logger.error({ err: error.message }, 'the test run worker stopped'));
  // The retention activity runs here (database, blobs and Temporal client at hand); its schedule is created once.
  const privacyWorker = await createPrivacyWorker({ connection: workerConnection, namespace: env.TEMPORAL_NAMESPACE, db: database.db, blobs, client: temporal, dataConverter });
  const privacyRunning = privacyWorker.run();
  // Prompts of flows that numbers run but that were never published here (the seeded sample).
  warmLivePromptsInBackground(database.db, temporal, logger);
  if (await ensureRetentionSchedule(temporal, env.RETENTION_INTERVAL_MINUTES)) logger.info({ everyMinutes: env.RETENTION_INTERVAL_MINUTES }, 'retention schedule created');
  const app = createApp({
    db: database.db,
    temporal,
    logger,
    temporalUiUrl: env.TEMPORAL_UI_URL,
    ...(env.TEMPORAL_UI_UPSTREAM ? { temporalUiUpstream: env.TEMPORAL_UI_UPSTREAM } : {}),
    namespace: env.TEMPORAL_NAMESPACE,
    blobs,
    metrics: createMetricsRegistry('api'),
    privacy,
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
  // SIP callers whose webhook never started their call (it came while this API was down).
  const sipSweep =
    env.LIVEKIT_SIP_SWEEP_MS > 0
      ? startSipRoomSweep(
          { db: database.db, temporal, logger, liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET }, callerHashKey: privacy.callerHashKey },
          { everyMs: env.LIVEKIT_SIP_SWEEP_MS },
        )
      : undefined;
  const live = attachCallEventStream(server, { pool: database.pool, logger, resolveWorkspace: liveWorkspaceResolver(database.db) });
  const stop = () => {
    sipSweep?.stop();
    void live.close();
    testRuns.shutdown();
    server.close(async () => {
      privacyWorker.shutdown();
      await Promise.all([testRunsDone, privacyRunning]);
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
