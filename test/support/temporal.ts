import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  CallIdKey,
  CalledNumberKey,
  CallerNumberKey,
  CallStatusKey,
  FlowIdKey,
  FlowVersionKey,
} from '../../workflows/definitions';
// @ts-expect-error plain .mjs helper without types
import { resolveTool } from '../../scripts/lib/tools.mjs';

export const callSearchAttributes = [CallIdKey, CallerNumberKey, CalledNumberKey, FlowIdKey, FlowVersionKey, CallStatusKey];

/** A real Temporal dev server (the binary the install script built) on a free port, for one test file. */
export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path: string = await resolveTool('temporal');
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: callSearchAttributes,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (this is also what catches a non-deterministic import). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  return bundle;
}

let counter = 0;
/** A name unique to this test run, for task queues and rooms, so tests never see each other's calls. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

let runtimeInstalled = false;
/** SDK logs at ERROR only (TEMPORAL_TEST_LOG_LEVEL=info for more), so test output shows what matters. Call before any Temporal use. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const level = process.env.TEMPORAL_TEST_LOG_LEVEL === 'info' ? 'INFO' : 'ERROR';
    Runtime.install({
      logger: new DefaultLogger(level),
      // Core's own warnings (e.g. a cancelled test activity completing late) are expected in tests.
      telemetryOptions: { logging: { filter: { core: level, other: level } } },
    });
  } catch {
    // already installed by someone else in this process
  }
}
