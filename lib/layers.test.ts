/**
 * The layer rule (eslint.config.js, docs/architecture.md "Where does my change go"): each layer
 * imports only from itself and the layers below it, and nothing imports in a circle. These lint
 * probe files that break the rule and expect the linter to refuse them, and lint the files that
 * used to break it and expect them clean.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** Lints `source` as a file in `dir` (written there for the linter, then removed). */
async function lintProbe(dir: string, source: string, name = `layer-probe-${process.pid}.ts`): Promise<ESLint.LintResult> {
  const file = join(root, dir, name);
  await writeFile(file, source);
  try {
    const [result] = await eslint.lintFiles([file]);
    assert.ok(result);
    return result;
  } finally {
    await rm(file, { force: true });
  }
}

const ruleMessages = (result: ESLint.LintResult, rule: string) => result.messages.filter((message) => message.ruleId === rule).map((message) => message.message);

test('lib/ importing from api/ (a layer above) fails the lint with the layer message', async () => {
  const result = await lintProbe('lib', "import { currentActor } from '../api/audit';\nexport const actor = currentActor;\n");
  const messages = ruleMessages(result, 'import-x/no-restricted-paths');
  assert.equal(messages.length, 1, JSON.stringify(result.messages));
  assert.match(messages[0]!, /Layers import downward only \(api > workers > workflows > activities > lib > db > packages\): lib\/ may not import from a layer above it/);
});

test('a type-only upward import fails too, and a downward import passes', async () => {
  const upward = await lintProbe('activities', "import type { TestRunWorker } from '../workers/scripted-worker';\nexport type Probe = TestRunWorker;\n");
  assert.match(ruleMessages(upward, 'import-x/no-restricted-paths').join('\n'), /activities\/ may not import from a layer above it/);

  const downward = await lintProbe('workers', "import { audit } from '../lib/audit';\nimport { FLOW_TASK_QUEUE } from '../lib/contracts/temporal';\nexport const probe = [audit, FLOW_TASK_QUEUE];\n");
  assert.deepEqual(downward.messages, []);
});

test('the web app may not import server code', async () => {
  const result = await lintProbe('web/src', "import type { AuditEntry } from '../../lib/audit';\nexport type Probe = AuditEntry;\n");
  assert.match(ruleMessages(result, 'import-x/no-restricted-paths').join('\n'), /The web app imports only packages\//);
});

test('the web app may import the answer schemas, and they import no app code', async () => {
  const web = await lintProbe('web/src', "import type { Health } from '../../lib/contracts/api-responses';\nexport type Probe = Health;\n");
  assert.deepEqual(web.messages, []);

  const contract = join(root, 'lib/contracts/api-responses.ts');
  const [result] = await eslint.lintText(`${await readFile(contract, 'utf8')}\nimport { createLogger } from '../logger';\nexport const probe = createLogger;\n`, { filePath: contract });
  assert.ok(result);
  assert.match(ruleMessages(result, 'import-x/no-restricted-paths').join('\n'), /The web app bundles this module: it imports zod and packages\/ only/);
});

test('an import cycle fails the lint', async () => {
  const a = `layer-cycle-a-${process.pid}`;
  const b = `layer-cycle-b-${process.pid}`;
  const fileB = join(root, 'lib', `${b}.ts`);
  await writeFile(fileB, `import { a } from './${a}';\nexport const b = () => a;\n`);
  try {
    const result = await lintProbe('lib', `import { b } from './${b}';\nexport const a = () => b;\n`, `${a}.ts`);
    assert.equal(ruleMessages(result, 'import-x/no-cycle').length, 1, JSON.stringify(result.messages));
  } finally {
    await rm(fileB, { force: true });
  }
});

test('the files that used to import upward or in a circle now lint clean', async () => {
  const results = await eslint.lintFiles([
    'lib/wav.ts',
    'lib/metrics.ts',
    'lib/privacy/erasure.ts',
    'api/retention-schedule.ts',
    'activities/privacy/activities.ts',
    'activities/media/types.ts',
    'activities/media/vad/barge-in.ts',
    'activities/media/stt/utterance-listener.ts',
    'workers/media-worker.ts',
    'workers/scripted-worker.ts',
  ]);
  assert.deepEqual(results.flatMap((result) => result.messages.map((message) => `${result.filePath}: ${message.ruleId} ${message.message}`)), []);
});
