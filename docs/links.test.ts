/** Every relative link in the README and docs/ points to a file that exists, and every #anchor to a heading in it. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const pages = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1] as string)));
}

test('links between the docs resolve', () => {
  let checked = 0;
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(`${root}${page}`, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:)/.test(target as string)) continue;
      const [path, anchor] = (target as string).split('#') as [string, string | undefined];
      const file = path ? resolve(root, dirname(page), path) : `${root}${page}`;
      checked++;
      if (!existsSync(file)) {
        broken.push(`${page}: ${target} (no such file)`);
        continue;
      }
      if (anchor && statSync(file).isFile() && file.endsWith('.md') && !anchors(file).has(anchor)) {
        broken.push(`${page}: ${target} (no heading #${anchor} in ${relative(root, file)})`);
      }
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked > 40, `checked ${checked} links`);
});

test('every page in docs/ is linked from the README', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const unlinked = pages.filter((page) => page !== 'README.md' && !readme.includes(`](${page})`));
  assert.deepEqual(unlinked, []);
  assert.ok(existsSync(join(root, 'docs/openapi.json')) && readme.includes('](docs/openapi.json)'));
});
