/**
 * Browser (starts servers and headless Chromium): the Blocked callers page manages the workspace's
 * do-not-call list through the real API and PostgreSQL. Screenshot: data/test-artifacts/do-not-call.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';

let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false, flowWorker: false });
  browser = await launchBrowser();
  ({ page, errors } = await newAppPage(browser, stack));
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('block a number (checked as you type, stored as E.164), see it listed, unblock it', { skip: noBrowser }, async () => {
  await page.goto('/numbers');
  await page.getByRole('link', { name: 'Blocked callers' }).click();
  await page.getByRole('heading', { name: 'Blocked callers', exact: true }).waitFor();
  await page.getByRole('heading', { name: 'No blocked callers' }).waitFor();

  const number = page.getByLabel('Phone number');
  await number.fill('+1 415 555');
  await page.getByRole('button', { name: 'Block number' }).click();
  await page.getByRole('alert').filter({ hasText: /short|valid/i }).waitFor();
  assert.deepEqual(await stack.get('/api/do-not-call'), [], 'nothing was stored');

  await number.fill('+1 (415) 555-0142');
  await page.getByLabel('Note').fill('robocalls');
  await page.getByRole('button', { name: 'Block number' }).click();
  const row = page.locator('tr[data-number="+14155550142"]');
  await row.waitFor();
  assert.match(await row.innerText(), /robocalls/);
  const stored = await stack.get('/api/do-not-call');
  assert.deepEqual(stored.map((entry: { phoneNumber: string; note: string }) => [entry.phoneNumber, entry.note]), [['+14155550142', 'robocalls']]);

  // The same number again is caught before it is sent.
  await number.fill('+14155550142');
  await page.getByRole('button', { name: 'Block number' }).click();
  await page.getByRole('alert').filter({ hasText: 'already blocked' }).waitFor();
  await page.screenshot({ path: path.join(artifactsDir, 'do-not-call.png'), fullPage: true });

  await page.getByRole('button', { name: 'Unblock +1 415 555 0142' }).click();
  await page.getByRole('heading', { name: 'No blocked callers' }).waitFor();
  assert.deepEqual(await stack.get('/api/do-not-call'), []);
  assert.deepEqual(errors, [], 'the page logged errors');
});
