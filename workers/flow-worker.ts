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
import { FLOW_TASK_QUEUE } from '../workflows/definitions';
import { serveHealth } from './health';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface FlowWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  db: Database;
  liveKit: LiveKitAccess;
  taskQueue?: string;
  /** A prebuilt bundle (tests share one); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createFlowWorker(options: FlowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? FLOW_TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: { ...createCallActivities(options.db), ...createHttpActivities(), ...createRoomActivities(options.liveKit) },
  });
}

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger('flow-worker', env.LOG_LEVEL);
  Runtime.install({ logger: temporalLogger(logger) });
  const database = connectDatabase(env.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createFlowWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    db: database.db,
    liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
  });
  const health = await serveHealth(env.FLOW_WORKER_HEALTH_PORT, () => ({
    healthy: worker.getState() === 'RUNNING',
    state: worker.getState(),
    taskQueue: FLOW_TASK_QUEUE,
  }));
  logger.info({ taskQueue: FLOW_TASK_QUEUE, healthPort: env.FLOW_WORKER_HEALTH_PORT }, 'flow worker running');
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
