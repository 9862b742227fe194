/**
 * A call's fixed cost on the flow worker: the CPU its workflow thread spends on a new call's first
 * workflow task (loading the workflow code into the call's sandbox, reading the flow, scheduling
 * the media attach and the first events). A real flow worker (the product's bundle, reusable V8
 * context) on the Temporal dev server runs WORKFLOW_STARTS (default 300) new `callFlow`s of the
 * sample flow; no media worker runs, so each stops after its first task, as a queued call does.
 * The same calls run on a bundle built without the shared modules (workflows/shared-modules.ts),
 * to show what sharing them saves. `npm run bench -- workflow-start`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { salesSupportSample, validateFlow } from '@switchboard/flow-model';
import { FAILURE_CONVERTER_PATH } from '../lib/privacy/payload-codec';
import { bundleWorkflows, workflowsPath } from '../workers/workflow-bundle';
import { startTestTemporal, uniqueName } from '../test/support/temporal';
import { callFlow, type CallFlowInput } from '../workflows/call-flow';
import type { Figure } from './report';

const starts = Number(process.env.WORKFLOW_STARTS ?? 300);
const TICK_MS = 1000 / 100; // USER_HZ: /proc reports CPU time in ticks of 10 ms

/** CPU milliseconds used so far by each thread of this process. */
function threadCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(tid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      // the thread ended meanwhile
    }
  }
  return cpu;
}

async function measure(env: TestWorkflowEnvironment, workflowBundle: WorkflowBundleWithSourceMap): Promise<{ workflowThreadMs: number; processMs: number }> {
  const taskQueue = uniqueName('bench-workflow-start');
  const before = new Set(threadCpu().keys());
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
  const flow = validateFlow(salesSupportSample.graph);
  if (!flow.ok) throw new Error('the sample flow does not validate');
  const input = (): CallFlowInput => {
    const callId = randomUUID();
    return { callId, workspaceId: randomUUID(), roomName: `bench-${callId}`, flowId: randomUUID(), flowVersion: 0, flow: flow.flow };
  };
  return worker.runUntil(async () => {
    const run = async (count: number) => {
      const handles = await Promise.all(
        Array.from({ length: count }, () => {
          const value = input();
          return env.client.workflow.start(callFlow, { taskQueue, workflowId: `call-${value.callId}`, args: [value] });
        }),
      );
      // Done when every call's first task has completed (it then waits for a media worker).
      for (const handle of handles) {
        for (;;) {
          const description = await handle.describe();
          if ((description.historyLength ?? 0) > 3) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    await run(20); // warm-up: the sandbox, the connection, JIT
    const threadsBefore = threadCpu();
    const processBefore = process.cpuUsage();
    await run(starts);
    const process_ = process.cpuUsage(processBefore);
    const threadsAfter = threadCpu();
    // The workflow thread is the busiest thread the worker started.
    let workflowThreadMs = 0;
    for (const [tid, ms] of threadsAfter) {
      if (!before.has(tid)) workflowThreadMs = Math.max(workflowThreadMs, ms - (threadsBefore.get(tid) ?? 0));
    }
    return { workflowThreadMs: workflowThreadMs / starts, processMs: (process_.user + process_.system) / 1000 / starts };
  });
}

export async function benchWorkflowStart(): Promise<Figure[]> {
  const env = await startTestTemporal();
  try {
    const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };
    const shared = await bundleWorkflows(quiet);
    const unshared = await bundleWorkflowCode({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quiet });
    const withShared = await measure(env, shared);
    const withoutShared = await measure(env, unshared);
    return [
      { name: 'workflow_first_task_cpu', value: Math.round(withShared.workflowThreadMs * 10) / 10, unit: 'ms', note: `flow worker's workflow thread per new call (first task), n=${starts}` },
      { name: 'workflow_first_task_cpu_unshared', value: Math.round(withoutShared.workflowThreadMs * 10) / 10, unit: 'ms', note: 'the same with every module loaded per call (no workflows/shared-modules.ts)' },
      { name: 'workflow_start_process_cpu', value: Math.round(withShared.processMs * 10) / 10, unit: 'ms', note: 'whole bench process per call: client starts and polls, worker, workflow thread' },
    ];
  } finally {
    await env.teardown();
  }
}
