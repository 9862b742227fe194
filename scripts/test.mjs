#!/usr/bin/env node
// `npm test [-- filter …] [-- --node-test-option=value …]`
// Sets up (scripts/lib/setup.mjs), then runs every *.test.ts file with node:test: unit tests first,
// TEST_CONCURRENCY files at a time (default 2), then end-to-end tests (test/e2e/, web/test/, which
// start servers and browsers), E2E_TEST_CONCURRENCY at a time (default 1). In each group, files
// marked `// test-runner: serial` run alone after the others. A filter keeps
// the files whose path contains it (`npm test -- flow-model`); arguments starting with "-" go to
// node (use the `--option=value` form).
// A test (and a test file) fails after TEST_TIMEOUT_MS (default 10 minutes) instead of hanging the run, and a
// SIGINT/SIGTERM stops the run after passing it to the group that is running.
// Output: the spec reporter for people, and the TAP summary lines (`# pass N`, `# fail N`) of all
// groups at the end for CI; the full TAP streams are kept in test-results/<group>.tap.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSetup, REPO_ROOT, SetupError } from './lib/setup.mjs';
import { ToolError } from './lib/tools.mjs';

const UNIT_DIRS = ['packages', 'workflows', 'activities', 'api', 'db', 'tools'];
/** Tests that start servers (and browsers) run last. */
const E2E_DIRS = [path.join('test', 'e2e'), path.join('web', 'test')];
const SKIP_DIRS = new Set(['node_modules', '.git', 'data', 'dist', 'test-results']);

function findTestFiles(dir, found = []) {
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) findTestFiles(rel, found);
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(rel);
    }
  }
  return found;
}

/** Unit directories in their listed order, then any other place, then the end-to-end ones. */
function rank(file) {
  if (E2E_DIRS.some((dir) => file.startsWith(dir + path.sep))) return UNIT_DIRS.length + 1;
  const unit = UNIT_DIRS.findIndex((dir) => file.startsWith(dir + path.sep));
  return unit === -1 ? UNIT_DIRS.length : unit;
}

const args = process.argv.slice(2);
const nodeOptions = args.filter((a) => a.startsWith('-'));
const filters = args.filter((a) => !a.startsWith('-'));

try {
  await ensureSetup();
} catch (err) {
  if (!(err instanceof SetupError || err instanceof ToolError)) throw err;
  console.error(`\nSet-up failed, so no tests ran:\n${err.message}`);
  process.exit(1);
}

const files = findTestFiles('')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error(filters.length ? `No *.test.ts file matches ${filters.join(', ')}.` : 'No *.test.ts files found.');
  process.exit(1);
}
console.log(`Running ${files.length} test file${files.length === 1 ? '' : 's'}:\n${files.map((f) => `  ${f}`).join('\n')}\n`);

/** Files run at once: `TEST_CONCURRENCY` unit files (default 2) and `E2E_TEST_CONCURRENCY` end-to-end ones (default 1). */
const filesAtOnce = (name, fallback) => Math.max(1, Math.floor(Number(process.env[name] ?? fallback)) || 1);
const unitConcurrency = filesAtOnce('TEST_CONCURRENCY', 2);
// Browsers and real-time speech through LiveKit fail on a loaded machine: a trial with two
// end-to-end files at a time garbled a caller and kept a browser page from rendering in 15 s.
const e2eConcurrency = filesAtOnce('E2E_TEST_CONCURRENCY', 1);
/** A file whose opening lines hold `// test-runner: serial` runs alone, after its group's other files. */
function isSerial(file) {
  return /^\/\/ test-runner: serial\b/m.test(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').slice(0, 4000));
}

// node --test sorts the files it is given, so each group is its own invocation, in this order.
const unitFiles = files.filter((f) => rank(f) <= UNIT_DIRS.length);
const e2eFiles = files.filter((f) => rank(f) > UNIT_DIRS.length);
const groups = [
  { name: 'unit', files: unitFiles.filter((f) => !isSerial(f)), concurrency: unitConcurrency },
  { name: 'unit-serial', files: unitFiles.filter(isSerial), concurrency: 1 },
  { name: 'e2e', files: e2eFiles.filter((f) => !isSerial(f)), concurrency: e2eConcurrency },
  { name: 'e2e-serial', files: e2eFiles.filter(isSerial), concurrency: 1 },
].filter((group) => group.files.length > 0);

let current = null;
/** Set by SIGINT/SIGTERM: the running group gets the signal and no later group starts. */
let stoppedBy = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stoppedBy = signal;
    current?.kill(signal);
  });
}

/** A test that hangs fails with its name after this long; `--test-timeout=…` overrides it. */
const testTimeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 600_000);
const timeoutOption = nodeOptions.some((o) => o.startsWith('--test-timeout')) || !(testTimeoutMs > 0)
  ? []
  : [`--test-timeout=${testTimeoutMs}`];

function runGroup({ name, files: groupFiles, concurrency: atOnce }) {
  const tapFile = path.join(REPO_ROOT, 'test-results', `${name}.tap`);
  fs.mkdirSync(path.dirname(tapFile), { recursive: true });
  fs.rmSync(tapFile, { force: true });
  current = spawn(
    process.execPath,
    [
      '--import', 'tsx',
      '--test', `--test-concurrency=${atOnce}`,
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
      ...timeoutOption,
      ...nodeOptions,
      ...groupFiles,
    ],
    // rtc-node logs at debug level unless NODE_ENV is production.
    { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' } },
  );
  return new Promise((resolve) => {
    current.on('close', (code, signal) => {
      // The summary the TAP reporter ends with: "# tests 12", "# pass 12", "# fail 0", …
      const counts = {};
      try {
        for (const line of fs.readFileSync(tapFile, 'utf8').split('\n')) {
          const match = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(line);
          if (match) counts[match[1]] = Number(match[2]);
        }
      } catch {
        // the runner died before writing it
      }
      resolve({ code: code ?? (signal ? 1 : 0), counts });
    });
  });
}

let exitCode = 0;
const total = {};
for (const group of groups) {
  if (stoppedBy) {
    console.error(`\nStopped by ${stoppedBy}: the ${group.name} tests did not run.`);
    exitCode ||= 1;
    break;
  }
  if (groups.length > 1) console.log(`\n=== ${group.name} tests (${group.files.length} file${group.files.length === 1 ? '' : 's'}, ${group.concurrency} at a time) ===\n`);
  const { code, counts } = await runGroup(group);
  exitCode ||= code;
  for (const [key, value] of Object.entries(counts)) total[key] = (total[key] ?? 0) + value;
}
const order = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];
if (Object.keys(total).length) console.log(`\n${order.filter((k) => k in total).map((k) => `# ${k} ${k === 'duration_ms' ? total[k].toFixed(0) : total[k]}`).join('\n')}`);
process.exitCode = exitCode;
