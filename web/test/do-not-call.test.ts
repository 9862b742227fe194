/**
 * Browser (starts servers and headless Chromium): the Blocked callers page manages the workspace's
 * do-not-call list, and a phone number's form sets its caller checks, through the real API and
 * PostgreSQL. Screenshots: data/test-artifacts/do-not-call.png, caller-checks.png.
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

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false, flowWorker: false });
  browser = await launchBrowser();
  // Errors the page logs fail the file (newAppPage checks them after the tests).
  page = await newAppPage(browser, stack);
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
});

test('a phone number\'s caller checks: attestation policy, rate limits and actions are saved as settings.callerChecks; other settings are kept', { skip: noBrowser }, async () => {
  const flow = await stack.post('/api/flows', { name: 'Screened line', graph: { start: 'bye', nodes: [{ id: 'bye', type: 'hangup', config: {} }], edges: [] } });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  // Set over the API: digest auth for the SIP trunk, and an attestation detail the form does not show.
  const created = await stack.post('/api/phone-triggers', {
    phoneNumber: '+14155550166',
    flowId: flow.id,
    settings: { sip: { authUsername: 'telnyx', authPassword: 'long-secret' }, callerChecks: { attestation: { accept: ['A'], unknown: 'apply' } } },
  });
  await page.goto('/numbers');
  await page.getByRole('button', { name: 'Edit +1 415 555 0166' }).click();
  const stir = page.getByLabel('Caller ID attestation (STIR/SHAKEN)');
  assert.equal(await stir.inputValue(), 'A', 'the stored policy is shown');
  await stir.selectOption('AB');
  await page.getByLabel('When the attestation fails').selectOption('route');
  await page.getByLabel('Calls per caller', { exact: true }).fill('0');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('A whole number of calls, 1 or more').waitFor();
  await page.getByLabel('Calls per caller', { exact: true }).fill('3');
  await page.locator('[id$="-caller-window"]').fill('10');
  await page.getByLabel('Calls to this number', { exact: true }).fill('50');
  await page.getByLabel('Blocked callers', { exact: true }).selectOption('route');
  await page.screenshot({ path: path.join(artifactsDir, 'caller-checks.png'), fullPage: true });
  // The list's Edit button shows while the form is open too: wait for the save itself.
  const savedResponse = page.waitForResponse((response) => response.request().method() === 'PUT' && response.url().endsWith(`/api/phone-triggers/${created.id}`));
  await page.getByRole('button', { name: 'Save' }).click();
  assert.equal((await savedResponse).status(), 200);

  const saved = await stack.get(`/api/phone-triggers/${created.id}`);
  assert.deepEqual(saved.settings.callerChecks, {
    attestation: { accept: ['A', 'B'], action: 'route', requireVerified: false, unknown: 'apply' },
    callerRateLimit: { max: 3, windowSeconds: 600, action: 'reject' },
    triggerRateLimit: { max: 50, windowSeconds: 60, action: 'reject' },
    doNotCall: { action: 'route' },
  });
  assert.deepEqual(saved.settings.sip, { allowedAddresses: [], authUsername: 'telnyx', authPasswordSet: true }, 'settings the form does not edit are kept (the trunk password stays stored, never answered)');
});
