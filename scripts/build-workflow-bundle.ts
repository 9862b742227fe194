/**
 * Builds the workflow bundle ahead of time, so a flow worker starts without bundling (and an image
 * ships the exact code it replays): `npm run build:workflows [-- <out-file>]`, default
 * dist/workflow-bundle.js. Point the flow worker at it with WORKFLOW_BUNDLE_PATH.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../lib/privacy/payload-codec';
import { workflowsPath } from '../workers/flow-worker';

/** Bundles workflows/index.ts into `outFile` (with its source map inlined); returns the file's size in bytes. */
export async function buildWorkflowBundle(outFile: string): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    // Failure messages are encoded (then encrypted) inside the sandbox too: lib/privacy/failure-converter.ts.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} },
  });
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return Buffer.byteLength(code);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFile = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url)));
  const bytes = await buildWorkflowBundle(outFile);
  console.log(`workflow bundle written to ${outFile} (${Math.round(bytes / 1024)} KiB)`);
}
