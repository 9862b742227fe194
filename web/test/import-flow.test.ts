/**
 * Browser (starts servers and headless Chromium): the Flows page's Import takes a Twilio Studio
 * export (a chosen file, or pasted JSON), shows the report, and opens the new draft on the canvas
 * with its placeholders marked. Screenshots: data/test-artifacts/import-report.png, import-canvas.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';

const fixtures = fileURLToPath(new URL('../../packages/flow-model/src/import/fixtures/', import.meta.url));

let stack: Stack;
let browser: Browser;
let page: Page;

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false, flowWorker: false });
  browser = await launchBrowser();
  page = await newAppPage(browser, stack);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('pasted text that is not JSON is caught before it is sent; a pasted IVR export imports complete', { skip: noBrowser }, async () => {
  await page.goto('/flows');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const json = page.getByLabel('Or paste the JSON');
  await json.fill('{ "states": [ ');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'This is not JSON' }).waitFor();

  await json.fill(readFileSync(path.join(fixtures, 'ivr-gather-split.json'), 'utf8'));
  await page.getByLabel('Flow name (optional)').fill('Main line (from Studio)');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Imported “Main line (from Studio)”' }).waitFor();
  await page.getByText('The draft is complete: test it, then publish it.').waitFor();
  assert.equal(await page.locator('tr[data-outcome="merged"]').count(), 2, 'both splits folded into the menu');
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('link', { name: 'Main line (from Studio)' }).waitFor();
});

test('a Studio export file with unsupported widgets: the report names them, and the draft shows them as placeholders to replace', { skip: noBrowser }, async () => {
  await page.goto('/flows');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByLabel('Studio export file').setInputFiles(path.join(fixtures, 'unsupported.json'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Imported “Support line with Flex”' }).waitFor();
  await page.getByText('6 to replace').waitFor();
  const placeholders = page.locator('tr[data-outcome="placeholder"]');
  assert.equal(await placeholders.count(), 6);
  const flexRow = placeholders.filter({ hasText: 'to_agent' });
  assert.match(await flexRow.innerText(), /send-to-flex[\s\S]*Flex \(TaskRouter queues\) has no counterpart/);
  await page.screenshot({ path: path.join(artifactsDir, 'import-report.png'), fullPage: true });

  await page.getByRole('button', { name: 'Open the draft' }).click();
  await page.waitForURL(/\/flows\/[0-9a-f-]{36}$/);
  await page.locator('.react-flow__node').first().waitFor();
  // Each placeholder is a step on the canvas that says what to replace.
  await page.getByText('Replace: to_agent (send-to-flex)').waitFor();
  await page.getByText('Replace: pay (capture-payments)').waitFor();
  await page.screenshot({ path: path.join(artifactsDir, 'import-canvas.png') });

  const flows = (await stack.get('/api/flows')) as Array<{ id: string; name: string; latestVersion: number | null }>;
  const imported = flows.find((flow) => flow.name === 'Support line with Flex');
  assert.ok(imported);
  assert.equal(imported.latestVersion, null, 'nothing was published');
});
