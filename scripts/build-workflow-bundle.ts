/**
 * Builds the workflow bundle ahead of time, so a flow worker starts without bundling (and an image
 * ships the exact code it replays): `npm run build:workflows [-- <out-file>]`, default
 * dist/workflow-bundle.js. Point the flow worker at it with WORKFLOW_BUNDLE_PATH.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows } from '../workers/workflow-bundle';

/** Bundles workflows/index.ts into `outFile` (with its source map inlined); returns the file's size in bytes. */
export async function buildWorkflowBundle(outFile: string): Promise<number> {
  const { code } = await bundleWorkflows();
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return Buffer.byteLength(code);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFile = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url)));
  const bytes = await buildWorkflowBundle(outFile);
  console.log(`workflow bundle written to ${outFile} (${Math.round(bytes / 1024)} KiB)`);
}
