/**
 * How every flow worker's workflow code is bundled: the flow worker (bundling at start), the
 * prebuilt bundle of images (scripts/build-workflow-bundle.ts) and the tests all use this, so they
 * run the same code the same way.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../lib/privacy/payload-codec';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Loaded once per worker thread and shared by all its workflows: see workflows/shared-modules.ts. */
export const SHARED_WORKFLOW_MODULES = [fileURLToPath(new URL('../workflows/shared-modules.ts', import.meta.url))];

type BundleLogger = Parameters<typeof bundleWorkflowCode>[0]['logger'];

/** Bundles workflows/index.ts; webpack's progress is dropped unless a logger is given. */
export function bundleWorkflows(logger?: BundleLogger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    // Failure messages are encoded (then encrypted) inside the sandbox too: lib/privacy/failure-converter.ts.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    preloadModules: SHARED_WORKFLOW_MODULES,
    logger: logger ?? { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} },
  });
}
