/**
 * Workflow code must replay deterministically. Two guards catch a stray import before a worker
 * does at run time: the lint rule for workflows/, and Temporal's workflow bundler.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundle } from '../test/support/temporal';

const root = fileURLToPath(new URL('..', import.meta.url));
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

test('the workflow code bundles for the Temporal sandbox', async () => {
  const bundle = await workflowBundle();
  assert.ok(bundle.code.includes('callFlow'));
  assert.ok(bundle.code.length > 10_000);
});

test('the bundler refuses workflow code that imports a Node built-in', async () => {
  // Inside the repo, so the bundler resolves @temporalio/workflow as it would for real workflows.
  await mkdir(join(root, 'data'), { recursive: true });
  const dir = await mkdtemp(join(root, 'data', 'stray-workflow-'));
  try {
    const file = join(dir, 'stray.ts');
    await writeFile(file, "import { readFileSync } from 'fs';\nexport async function stray() { return readFileSync('/etc/hostname', 'utf8'); }\n");
    const errors: string[] = [];
    const capture = { ...silent, error: (message: string) => errors.push(message) };
    const failure = await bundleWorkflowCode({ workflowsPath: file, logger: capture }).then(
      () => assert.fail('the bundle should have been refused'),
      (error: Error) => error,
    );
    assert.match(`${failure.message}\n${errors.join('\n')}`, /disallowed modules[\s\S]*'fs'/i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lint rule passes the workflows and rejects Node built-ins, activity values and timers in them', async () => {
  const eslint = new ESLint({ cwd: root });
  const clean = await eslint.lintFiles(['workflows/call-flow.ts', 'workflows/media-session.ts', 'workflows/call-events.ts', 'workflows/definitions.ts', 'workflows/index.ts']);
  assert.deepEqual(clean.flatMap((result) => result.messages.map((message) => `${result.filePath}: ${message.message}`)), []);

  const probe = join(root, 'workflows', `lint-probe-${process.pid}.ts`);
  await writeFile(
    probe,
    [
      "import { readFileSync } from 'node:fs';",
      "import { createCallActivities } from '../activities/calls/activities';",
      'export const stray = () => [readFileSync, createCallActivities, setTimeout(() => undefined, 1), process.env];',
      '',
    ].join('\n'),
  );
  try {
    const [result] = await eslint.lintFiles([probe]);
    const rules = (result?.messages ?? []).map((message) => message.ruleId);
    assert.equal(rules.filter((rule) => rule === '@typescript-eslint/no-restricted-imports').length, 2, JSON.stringify(result?.messages));
    assert.equal(rules.filter((rule) => rule === 'no-restricted-globals').length, 2, JSON.stringify(result?.messages));
  } finally {
    await rm(probe, { force: true });
  }
});
