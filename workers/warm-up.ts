/**
 * A flow worker warms itself up as it starts: it starts one `flowWorkerWarmUp` workflow
 * (workflows/warm-up.ts) with eager start, so the server hands its first workflow task straight back
 * to this worker (through the connection they share) instead of to whichever flow worker polls
 * first, and its second task comes from this worker's sticky queue. The worker polls for calls
 * meanwhile; the warm-up only makes sure its workflow thread has run the code a call's replay runs.
 * When the server does not start it eagerly (`system.enableEagerWorkflowStart` off), another flow
 * worker may run it: the report says so and nothing else changes.
 */
import { Client, type DataConverter } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { FLOW_TASK_QUEUE } from '../lib/contracts/temporal';
import type { flowWorkerWarmUp } from '../workflows/warm-up';

export interface WarmUpReport {
  workflowId: string;
  /** From the start request to the workflow's result. */
  ms: number;
  /** Whether this worker ran its first workflow task (eager start honoured). */
  onThisWorker: boolean;
  /** Nodes the warm-up walked (the workflow's result). */
  nodes: number;
}

export interface WarmUpOptions {
  connection: NativeConnection;
  namespace: string;
  /** The worker's identity (Worker.options.identity): tells whether it ran the warm-up itself. */
  identity: string;
  dataConverter?: DataConverter;
  taskQueue?: string;
  /** Gives up waiting after this long (the workflow itself times out soon after). */
  timeoutMs?: number;
}

/** Runs the warm-up workflow on the worker that shares `connection`; the worker must be running. */
export async function warmUpFlowWorker(options: WarmUpOptions): Promise<WarmUpReport> {
  const client = new Client({ connection: options.connection, namespace: options.namespace, ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) });
  const timeoutMs = options.timeoutMs ?? 15_000;
  // Identities are `pid@host`: a workflow id may hold them.
  const workflowId = `flow-worker-warm-up-${options.identity}-${Date.now()}`;
  const started = performance.now();
  const handle = await client.workflow.start<typeof flowWorkerWarmUp>('flowWorkerWarmUp', {
    workflowId,
    taskQueue: options.taskQueue ?? FLOW_TASK_QUEUE,
    requestEagerStart: true,
    workflowExecutionTimeout: timeoutMs + 5000,
    staticSummary: 'Flow worker warm-up',
  });
  const result = await Promise.race([
    handle.result(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the warm-up workflow ${workflowId} did not finish within ${timeoutMs} ms`)), timeoutMs).unref()),
  ]);
  const ms = Math.round(performance.now() - started);
  const history = await handle.fetchHistory();
  const firstTask = history.events?.find((event) => event.workflowTaskStartedEventAttributes)?.workflowTaskStartedEventAttributes;
  return { workflowId, ms, onThisWorker: firstTask?.identity === options.identity, nodes: result.nodes };
}
