/**
 * The flow worker: runs callFlow workflows and their bookkeeping activities on the `flows` queue.
 * `node --import tsx workers/flow-worker.ts`
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createCallActivities } from '../activities/calls/activities';
import { createHttpActivities } from '../activities/http/activities';
import { createRoomActivities, type LiveKitAccess } from '../activities/calls/room';
import { connectDatabase, type Database } from '../db/client';
import { readEnv } from '../lib/env';
import { createLogger, temporalLogger } from '../lib/logger';
import { createFlowMetrics, createMetricsRegistry, metricsText, temporalMetricsTelemetry, type FlowMetrics } from '../lib/metrics';
import { FLOW_TASK_QUEUE } from '../workflows/definitions';
import { serveHealth } from './health';
import { readPrivacyKeys } from '../lib/privacy/keys';
import { encryptingDataConverter } from '../lib/privacy/payload-codec';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface FlowWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  db: Database;
  liveKit: LiveKitAccess;
  taskQueue?: string;
  /** A prebuilt bundle (tests share one; images set WORKFLOW_BUNDLE_PATH); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Counts answered and ended calls from the events it records. */
  metrics?: FlowMetrics;
  /** Encrypts payloads (lib/privacy/payload-codec.ts). */
  dataConverter?: WorkerOptions['dataConverter'];
}

export async function createFlowWorker(options: FlowWorkerOptions): Promise<Worker> {
  const callActivities = createCallActivities(options.db);
  const { metrics } = options;
  const recordCallEvents: typeof callActivities.recordCallEvents = metrics
    ? async (input) => {
        await callActivities.recordCallEvents(input);
        metrics.onEventsRecorded(input.events);
      }
    : callActivities.recordCallEvents;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? FLOW_TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: { ...callActivities, recordCallEvents, ...createHttpActivities(), ...createRoomActivities(options.liveKit) },
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger('flow-worker', env.LOG_LEVEL);
  const sdkMetrics = await temporalMetricsTelemetry();
  Runtime.install({ logger: temporalLogger(logger), telemetryOptions: sdkMetrics.telemetryOptions });
  const registry = createMetricsRegistry('flow-worker');
  const metrics = createFlowMetrics(registry);
  const dataConverter = encryptingDataConverter(readPrivacyKeys(env).payloadKeys);
  const database = connectDatabase(env.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createFlowWorker({
    dataConverter,
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    db: database.db,
    liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
    metrics,
    ...(env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: env.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  const report = () => ({ state: worker.getState(), taskQueue: FLOW_TASK_QUEUE, prebuiltBundle: Boolean(env.WORKFLOW_BUNDLE_PATH) });
  const health = await serveHealth(
    env.FLOW_WORKER_HEALTH_PORT,
    {
      // Live until the worker has failed or stopped; ready while it polls for tasks.
      live: () => ({ healthy: !['FAILED', 'STOPPED'].includes(worker.getState()), ...report() }),
      ready: () => ({ healthy: worker.getState() === 'RUNNING', ...report() }),
      metrics: () => metricsText(registry, sdkMetrics.url),
    },
    env.LISTEN_HOST,
  );
  logger.info({ taskQueue: FLOW_TASK_QUEUE, healthPort: env.FLOW_WORKER_HEALTH_PORT, prebuiltBundle: Boolean(env.WORKFLOW_BUNDLE_PATH) }, 'flow worker running');
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down gracefully.
  await worker.run();
  health.close();
  await connection.close();
  await database.close();
  logger.info('flow worker stopped');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    console.error(`flow worker failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
