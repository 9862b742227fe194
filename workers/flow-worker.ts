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
import { createFlowMetrics, createMediaQueueMetrics, createMetricsRegistry, metricsText, temporalMetricsTelemetry, type FlowMetrics } from '../lib/metrics';
import { FLOW_TASK_QUEUE, MEDIA_WATCH_TASK_QUEUE } from '../lib/contracts/temporal';
import { createMediaWatchActivities } from '../activities/calls/media-watch';
import { createMediaPickActivities } from '../activities/calls/media-pick';
import { serveHealth } from './health';
import { mediaQueuePollers, mediaQueueStats } from './media-queue';
import { readPrivacyKeys } from '../lib/privacy/keys';
import { encryptingDataConverter } from '../lib/privacy/payload-codec';
import { bundleWorkflows } from './workflow-bundle';
import { warmUpFlowWorker, type WarmUpReport } from './warm-up';

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
  /** See STICKY_QUEUE_TIMEOUT_MS. */
  stickyQueueScheduleToStartTimeoutMs?: number;
}

/**
 * How long a workflow task waits on the sticky queue of the flow worker that ran the call's last
 * task before any flow worker may take it (and replay the call's history). The SDK's default is
 * 10 s: after a flow worker dies, every call it held would wait that long after the caller's next
 * key press. A live worker keeps polls open on its sticky queue and takes a task within
 * milliseconds; only a worker with every workflow slot busy leaves one waiting, and then another
 * worker replaying the call is the better choice anyway. 500 ms bounds a dead worker's share of the
 * failover (docs/operations.md).
 */
export const STICKY_QUEUE_TIMEOUT_MS = 500;

/**
 * Workflow task polls a flow worker keeps open: 9 on its own sticky queue, and one on the shared
 * `flows` queue (the SDK's default is 8 and 2). A stopped (SIGSTOP) or hung flow worker's open polls
 * still take tasks, each then waiting out the task timeout; after its sticky poll, every poll on the
 * shared queue can take the call's next attempt. The server lengthens a workflow task's timeout from
 * its fourth attempt (5 s, then more), so with two such polls a call once waited 10.3 s for a
 * stopped worker to wake (chaos benchmark, 1 of 12 flow worker stops). With one, the third attempt
 * goes to a live worker.
 */
export const WORKFLOW_TASK_POLLS = { maximum: 10, sharedQueueShare: 0.1 } as const;

/**
 * Activity task polls a flow worker keeps open on `flows` (the SDK's default is 10). A stopped flow
 * worker's open polls take activity tasks just as they take workflow tasks, and each such task waits
 * out its start-to-close timeout (2 s for the bookkeeping a caller waits for, workflows/call-flow.ts): with
 * ten, a call's retries could land on the same stopped worker again and again (the chaos benchmark
 * saw a `loadFlowVersion` wait 10 s). With one, a stopped worker holds at most one task, and the
 * retry goes to a live worker. Most activities never wait for a poll anyway: a worker that schedules
 * an activity on its own queue runs it at once (eager execution).
 */
export const ACTIVITY_TASK_POLLS = 1;

export async function createFlowWorker(options: FlowWorkerOptions): Promise<Worker> {
  const callActivities = createCallActivities(options.db);
  const { metrics } = options;
  const recordCallEvents: typeof callActivities.recordCallEvents = metrics
    ? async (input) => {
        await callActivities.recordCallEvents(input);
        metrics.onEventsRecorded(input.events);
      }
    : callActivities.recordCallEvents;
  const namespace = options.namespace ?? 'default';
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue ?? FLOW_TASK_QUEUE,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities: {
      ...callActivities,
      recordCallEvents,
      ...createHttpActivities(),
      ...createRoomActivities(options.liveKit),
      ...createMediaPickActivities({
        mediaQueuePollers: async (taskQueue) => (await mediaQueuePollers(options.connection, namespace, taskQueue)).map((poller) => poller.identity),
      }),
    },
    stickyQueueScheduleToStartTimeout: options.stickyQueueScheduleToStartTimeoutMs ?? STICKY_QUEUE_TIMEOUT_MS,
    maxConcurrentWorkflowTaskPolls: WORKFLOW_TASK_POLLS.maximum,
    nonStickyToStickyPollRatio: WORKFLOW_TASK_POLLS.sharedQueueShare,
    // (`maxConcurrentActivityTaskPolls` is ignored by this SDK: it polls ten unless told a behaviour.)
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: ACTIVITY_TASK_POLLS },
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

/**
 * Watches of the media workers that hold calls (`watchMediaWorker`, one per call for its length),
 * on their own queue: idle connections, so many at once, and never in the way of a call's other
 * activities on `flows`.
 */
export const MAX_MEDIA_WATCHES = 5000;

export function createMediaWatchWorker(options: Pick<FlowWorkerOptions, 'connection' | 'namespace' | 'dataConverter'>): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: MEDIA_WATCH_TASK_QUEUE,
    activities: createMediaWatchActivities(),
    maxConcurrentActivityTaskExecutions: MAX_MEDIA_WATCHES,
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
  createMediaQueueMetrics(registry, () => mediaQueueStats(connection, env.TEMPORAL_NAMESPACE));
  const worker = await createFlowWorker({
    dataConverter,
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    db: database.db,
    liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
    metrics,
    ...(env.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: env.WORKFLOW_BUNDLE_PATH } } : {}),
  });
  const watchWorker = await createMediaWatchWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
  let warmUp: WarmUpReport | { error: string } | 'off' | undefined = env.FLOW_WORKER_WARM_UP === '0' ? 'off' : undefined;
  const report = () => ({
    state: worker.getState(),
    taskQueue: FLOW_TASK_QUEUE,
    mediaWatch: watchWorker.getState(),
    prebuiltBundle: Boolean(env.WORKFLOW_BUNDLE_PATH),
    warmUp: warmUp ?? 'running',
  });
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
  // Worker.run() installs SIGINT/SIGTERM handlers that shut both down gracefully.
  const running = Promise.all([worker.run(), watchWorker.run()]);
  // Its first call's workflow task must not find it cold (workers/warm-up.ts).
  if (warmUp !== 'off') {
    warmUpFlowWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, identity: worker.options.identity, dataConverter }).then(
      (result) => {
        warmUp = result;
        logger.info({ ms: result.ms, onThisWorker: result.onThisWorker, workflowId: result.workflowId }, 'flow worker warmed up');
      },
      (error: Error) => {
        warmUp = { error: error.message };
        logger.warn({ err: error.message }, 'flow worker warm-up failed; calls are served anyway');
      },
    );
  }
  await running;
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
