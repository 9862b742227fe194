import { appendFileSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../workers/workflow-bundle';
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
// @ts-expect-error plain .mjs helper without types
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../scripts/lib/services.mjs';

export const callSearchAttributes = [CallIdKey, CallerNumberKey, CalledNumberKey, FlowIdKey, FlowVersionKey, CallStatusKey];

/**
 * A real Temporal dev server (the binary the install script built) on a free port, for one test file.
 * With `dataConverter`, the environment's client encrypts payloads as the product's clients do.
 * With `uiPort`, its Temporal UI listens there as `npm start` runs it: under /temporal, decoding
 * through the API's codec endpoint on the same origin (the API serves it, api/temporal-ui.ts).
 */
export async function startTestTemporal(options: { dataConverter?: DataConverter; uiPort?: number } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path: string = await resolveTool('temporal');
  return TestWorkflowEnvironment.createLocal({
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: callSearchAttributes,
      log: { format: 'pretty', level: 'error' },
      // As `npm start` runs it: one partition per task queue (scripts/lib/services.mjs).
      extraArgs: [...DEV_SERVER_DYNAMIC_CONFIG, ...(options.uiPort ? ['--ui-public-path', '/temporal', '--ui-codec-endpoint', '/api/temporal-codec'] : [])],
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (this is also what catches a non-deterministic import). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows({ info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} });
  return bundle;
}

let counter = 0;
/** A name unique to this test run, for task queues and rooms, so tests never see each other's calls. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

let runtimeInstalled = false;
/**
 * Sends the Temporal SDK's and core's logs of this process, from INFO up, to a file (the log scan
 * test reads it). Call before any Temporal use; instead of quietRuntime().
 */
export function runtimeLogsTo(file: string): void {
  if (runtimeInstalled) throw new Error('The Temporal runtime is already installed in this process');
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry) => appendFileSync(file, `${JSON.stringify({ level: entry.level, message: entry.message, meta: entry.meta })}\n`)),
    telemetryOptions: { logging: { filter: { core: 'INFO', other: 'INFO' }, forward: {} } },
  });
}

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

/** Waits (up to `timeoutMs`) for a workflow started in the background to exist; fails the test otherwise. */
export async function workflowStarted(handle: { describe(): Promise<unknown> }, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await handle.describe().then(() => true, () => false)); ) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
