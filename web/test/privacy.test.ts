/**
 * End to end (starts servers and a browser): an operator erases a caller from the call history page.
 * "Opens Call history, chooses Erase caller…, types the number, confirms; the caller's calls are gone
 * from the page and the database, the other caller's stay."
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { inArray } from 'drizzle-orm';
import { salesSupportSample } from '@switchboard/flow-model';
import { calls } from '../../db/schema';
import { startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';
import { uniqueName } from '../../test/support/temporal';
import { createTestAccount } from '../../test/support/auth';

const CALLED = '+14155550178';
const ERASED = '+14155550361';
const KEPT = '+14155550362';

let stack: Stack;
let browser: Browser;

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack();
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: CALLED, flowId: flow.id });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A call from `callerNumber` that ends at once (nobody joins its room). */
async function quickCall(callerNumber: string): Promise<string> {
  const started = await stack.post('/api/calls', { roomName: uniqueName('erase-ui'), calledNumber: CALLED, callerNumber, media: { waitForCallerMs: 100 } });
  await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  return started.callId as string;
}

test('Erase caller… on the call history page erases that caller and no one else', { skip: noBrowser }, async () => {
  const erased = [await quickCall(ERASED), await quickCall(ERASED)];
  const kept = await quickCall(KEPT);
  // Signed in as the stack's owner (erasure and retention are owners' decisions); page errors fail the file.
  const page = await newAppPage(browser, stack);
  await page.goto('/calls/history');
  const rows = page.locator('table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 3);

  await page.getByRole('button', { name: 'Erase caller…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Erase a caller' });
  const submit = dialog.getByRole('button', { name: 'Erase caller' });
  await dialog.getByLabel('Caller’s number').fill('+1 415 555 0361');
  assert.equal(await submit.isDisabled(), true, 'nothing is erased before the operator confirms');
  await dialog.getByLabel('I understand that this caller’s data is deleted for good').check();
  await submit.click();
  await page.getByRole('status').getByText('Erased 2 calls, 0 recordings and 2 workflow histories').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 1);
  assert.match((await rows.first().textContent()) ?? '', /555.?0362/);

  const left = await stack.database.db.select({ id: calls.id }).from(calls).where(inArray(calls.id, [...erased, kept]));
  assert.deepEqual(left.map((row) => row.id), [kept]);

  // A number that is not one: the dialog says what is wrong and erases nothing.
  await page.getByRole('button', { name: 'Erase caller…' }).click();
  await dialog.getByLabel('Caller’s number').fill('x');
  await dialog.getByLabel('I understand that this caller’s data is deleted for good').check();
  await submit.click();
  await dialog.getByRole('alert').getByText(/must be a phone number/).waitFor();
  assert.equal((await stack.database.db.select({ id: calls.id }).from(calls).where(inArray(calls.id, [kept]))).length, 1);
});

test('a phone number redacts transcripts once the operator ticks the box, and keeps it on later edits', { skip: noBrowser }, async () => {
  // Signed in as the stack's owner (erasure and retention are owners' decisions); page errors fail the file.
  const page = await newAppPage(browser, stack);
  await page.goto('/numbers');
  await page.getByRole('button', { name: 'Edit +1 415 555 0178' }).click();
  await page.getByText('Greeting, voice, recording and business hours').click();
  const box = page.getByLabel('Redact card numbers and SSNs in transcripts');
  assert.equal(await box.isChecked(), false);
  await box.check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  for (let i = 0; i < 50 && (await stack.get('/api/phone-triggers'))[0].settings.redactTranscripts !== true; i++) await page.waitForTimeout(100);
  const [trigger] = await stack.get('/api/phone-triggers');
  assert.equal(trigger.settings.redactTranscripts, true);

  // Editing something else keeps the setting.
  await page.getByRole('button', { name: 'Edit +1 415 555 0178' }).click();
  await page.getByText('Greeting, voice, recording and business hours').click();
  assert.equal(await page.getByLabel('Redact card numbers and SSNs in transcripts').isChecked(), true);
  await page.getByLabel('Greeting').fill('Hello');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  for (let i = 0; i < 50 && (await stack.get('/api/phone-triggers'))[0].settings.greeting !== 'Hello'; i++) await page.waitForTimeout(100);
  assert.deepEqual((await stack.get('/api/phone-triggers'))[0].settings, { greeting: 'Hello', redactTranscripts: true });

  // Unticking it removes it.
  await page.getByRole('button', { name: 'Edit +1 415 555 0178' }).click();
  await page.getByText('Greeting, voice, recording and business hours').click();
  await page.getByLabel('Redact card numbers and SSNs in transcripts').uncheck();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  for (let i = 0; i < 50 && (await stack.get('/api/phone-triggers'))[0].settings.redactTranscripts === true; i++) await page.waitForTimeout(100);
  assert.deepEqual((await stack.get('/api/phone-triggers'))[0].settings, { greeting: 'Hello' });
});

test('Data retention… sets how many days the workspace keeps calls, and clears it', { skip: noBrowser }, async () => {
  // Signed in as the stack's owner (erasure and retention are owners' decisions); page errors fail the file.
  const page = await newAppPage(browser, stack);
  await page.goto('/calls/history');
  const dialog = page.getByRole('dialog', { name: 'Data retention' });
  const days = dialog.getByLabel('Keep call data for (days)');
  await page.getByRole('button', { name: 'Data retention…' }).click();
  assert.equal(await days.inputValue(), '');
  await days.fill('0');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('alert').getByText(/whole number of days from 1 to 3650/).waitFor();
  assert.equal((await stack.get('/api/workspace')).settings.retentionDays, undefined, 'nothing saved');
  await days.fill('30');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Calls older than 30 days will be deleted.').waitFor();
  assert.equal((await stack.get('/api/workspace')).settings.retentionDays, 30);

  await page.getByRole('button', { name: 'Data retention…' }).click();
  assert.equal(await days.inputValue(), '30');
  await days.fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Calls are kept for good.').waitFor();
  assert.equal((await stack.get('/api/workspace')).settings.retentionDays, null);

  // A builder does not get these owner actions on the page (the API refuses them too).
  const builder = await createTestAccount(stack.database.db, { role: 'builder' });
  const builderPage = await newAppPage(browser, { api: stack.api, owner: builder });
  await builderPage.goto('/calls/history');
  await builderPage.getByRole('button', { name: 'Export CSV' }).or(builderPage.getByRole('link', { name: 'Export CSV' })).waitFor();
  assert.equal(await builderPage.getByRole('button', { name: 'Data retention…' }).count(), 0);
  assert.equal(await builderPage.getByRole('button', { name: 'Erase caller…' }).count(), 0);
});
