/**
 * Every Mermaid diagram in the README and docs/ renders (GitHub shows a parse error in place of a
 * broken one): each is drawn with mermaid in headless Chromium, and a screenshot of it is kept in
 * data/test-artifacts/diagrams/ for a person to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { artifactsDir } from '../test/support/artifacts';

const root = fileURLToPath(new URL('../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const pages = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const diagrams = pages.flatMap((page) =>
  [...readFileSync(`${root}${page}`, 'utf8').matchAll(/```mermaid\n([\s\S]*?)```/g)].map((match, index) => ({ page, index, source: match[1] as string })),
);

let browser: Browser;
let page: Page;
before(async () => {
  if (skip) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"><div id="out"></div></body></html>');
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js') });
  await page.evaluate(() => (globalThis as any).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
});
after(async () => {
  await browser?.close();
});

test('every Mermaid diagram in the docs renders', { skip }, async () => {
  assert.ok(diagrams.length >= 8, `found ${diagrams.length} diagrams`);
  const dir = `${artifactsDir}diagrams/`;
  mkdirSync(dir, { recursive: true });
  for (const diagram of diagrams) {
    const name = `${diagram.page.replace(/[/.]/g, '-')}-${diagram.index}`;
    const result = await page.evaluate(
      async ({ id, source }) => {
        try {
          // Runs in the page: `globalThis` is its window (this file is type-checked without the DOM library).
          const page = globalThis as any;
          const { svg } = await page.mermaid.render(id, source);
          page.document.getElementById('out').innerHTML = svg;
          return { ok: true as const, nodes: page.document.querySelectorAll('#out svg g').length as number };
        } catch (error) {
          return { ok: false as const, error: String((error as Error).message ?? error) };
        }
      },
      { id: `d${name.replace(/[^A-Za-z0-9]/g, '')}`, source: diagram.source },
    );
    assert.ok(result.ok, `${diagram.page} diagram ${diagram.index + 1}: ${result.ok ? '' : result.error}`);
    assert.ok(result.nodes > 3, `${diagram.page} diagram ${diagram.index + 1} drew ${result.nodes} groups`);
    await page.locator('#out svg').screenshot({ path: `${dir}${name}.png` });
  }
});
