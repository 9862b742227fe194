/**
 * Every environment variable the code reads, and every variable docker-compose.yml takes, is
 * documented in docs/configuration.md with its default; documented defaults of lib/env.ts match it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENV_NAMES, readEnv } from './env';

const root = fileURLToPath(new URL('../', import.meta.url));
/** Standard variables of the system or of tools, not Switchboard settings. */
const NOT_OURS = new Set(['PATH', 'XDG_CACHE_HOME', 'NODE_ENV', 'CGO_ENABLED']);
const SKIP_DIRS = new Set(['node_modules', '.git', 'data', 'dist', 'test-results']);

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) sourceFiles(path, found);
    } else if (/\.(ts|tsx|mjs)$/.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

/** Variables read in the code: `process.env.X`, `process.env['X']`, and `env.X` (a parsed or aliased environment). */
function variablesReadByCode(): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /process\.env\.([A-Z][A-Z0-9_]*)|process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\]|\benv\.([A-Z][A-Z0-9_]*)/g;
  for (const file of sourceFiles(root)) {
    if (file.endsWith('env-docs.test.ts')) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const name = (match[1] ?? match[2] ?? match[3]) as string;
      if (!NOT_OURS.has(name) && !found.has(name)) found.set(name, relative(root, file));
    }
  }
  return found;
}

/** docs/configuration.md's tables: variable name → the row's default cell. */
function documented(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(`${root}docs/configuration.md`, 'utf8').split('\n')) {
    if (!line.startsWith('| `')) continue;
    const [names, defaults] = line.split(' | ').map((cell) => cell.replace(/^\| /, '')) as [string, string | undefined];
    for (const [, name] of names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) rows.set(name as string, defaults ?? '');
  }
  return rows;
}

test('every variable the code reads is documented with a default', () => {
  const read = variablesReadByCode();
  assert.ok(read.size > 30, `found ${read.size} variables`);
  const docs = documented();
  const missing = [...read].filter(([name]) => !docs.has(name)).map(([name, file]) => `${name} (read in ${file})`);
  assert.deepEqual(missing, [], 'add these to docs/configuration.md');
  for (const [name] of read) assert.ok((docs.get(name) ?? '').trim().length > 0, `${name}: the default column is empty`);
});

test('every variable of lib/env.ts is documented, with the default lib/env.ts applies', () => {
  const docs = documented();
  const defaults = readEnv({});
  for (const name of ENV_NAMES) {
    assert.ok(docs.has(name), `${name} is in lib/env.ts but not in docs/configuration.md`);
    const value = defaults[name];
    if (value !== undefined) assert.ok(docs.get(name)?.includes(`\`${String(value)}\``), `${name}: docs say ${docs.get(name)}, lib/env.ts defaults to ${String(value)}`);
  }
});

test("every variable docker-compose.yml takes is documented, with the compose file's default", () => {
  const compose = readFileSync(`${root}docker-compose.yml`, 'utf8');
  const docs = documented();
  const seen = new Set<string>();
  for (const [, name, operator, value] of compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:-|:\?)?([^}]*)\}/g)) {
    if (seen.has(name as string)) continue;
    seen.add(name as string);
    assert.ok(docs.has(name as string), `docker-compose.yml takes ${name}; document it in docs/configuration.md`);
    if (operator === ':-' && value) assert.ok(docs.get(name as string)?.includes(`\`${value}\``), `${name}: compose default ${value} not in the docs (${docs.get(name as string)})`);
    if (operator === ':?') assert.match(docs.get(name as string) ?? '', /required/, `${name} is required by docker-compose.yml: say so`);
  }
  assert.ok(seen.size >= 15, `found ${seen.size} variables`);
});
