/**
 * End to end (starts servers and a browser): an operator reads a finished call in the Temporal UI,
 * which the API serves at /temporal/ behind its own sign-in. "Signed in as a viewer, opens the
 * call's page, follows Open in Temporal UI, and reads the history decoded: no codec error, the flow's
 * name in the input, the steps in the activity summaries. Signed out, the UI is refused; a viewer's
 * terminate is refused; an owner's is audited."
 * Screenshots: test-results/artifacts/temporal-ui-*.png.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { salesSupportSample } from '@switchboard/flow-model';
import { auditLog } from '../../db/schema';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';
import { createTestAccount, createTestWorkspace, type TestAccount } from '../../test/support/auth';
import { uniqueName } from '../../test/support/temporal';
// @ts-expect-error plain .mjs helper without types
import { resolveTool } from '../../scripts/lib/tools.mjs';

const run = promisify(execFile);

const CALLED = '+14155550188';

let stack: Stack;
let browser: Browser;
let viewer: TestAccount;
let flowId: string;

before(async () => {
  if (!noBrowser) buildWebApp();
  stack = await startStack({ temporalUi: true });
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph });
  flowId = flow.id;
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: CALLED, flowId: flow.id });
  viewer = await createTestAccount(stack.database.db, { role: 'viewer' });
  if (!noBrowser) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The UI's own API, called from the page as the UI calls it (same origin, its CSRF token). */
async function uiRequest(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = /(?:^|; )_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const response = await fetch(path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, text: await response.text() };
    },
    { method, path, body },
  );
}

test('a viewer reads a finished call decoded in the Temporal UI through the product', { skip: noBrowser, timeout: 180_000 }, async () => {
  // A finished call through the real call workflow: caller presses 1 for sales.
  const finished = await stack.post(`/api/flows/${flowId}/test-runs`, { version: 1, inputs: [{ digits: '1' }] });
  assert.equal(finished.endReason, 'completed', JSON.stringify(finished));

  const page = await newAppPage(browser, { api: stack.api, owner: viewer }, { timeoutMs: 30_000 });
  await page.goto(`/calls/${encodeURIComponent(finished.callId)}`);
  const link = page.getByRole('link', { name: 'Open in Temporal UI' });
  const href = await link.getAttribute('href');
  assert.match(href ?? '', /^\/temporal\/namespaces\/default\/workflows\/call-test-run-/, 'the call page links to the UI on this origin');
  await page.goto(href!);

  // The workflow's input, decoded: the flow's name and version, and the version by reference, not its graph.
  // (The UI's first load is slow on a busy machine; a failure leaves what the page showed.)
  await page
    .getByText('"flowName": "Sales and support"')
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(async (error: Error) => {
      await page.screenshot({ path: `${artifactsDir}temporal-ui-failure.png` });
      throw error;
    });
  await page.getByText('"flowVersion": 1').first().waitFor();
  await page.getByText('"flowVersionId": "').first().waitFor();
  assert.equal(await page.getByText('"edges": [').count(), 0, 'the input does not carry the graph');
  await page.screenshot({ path: `${artifactsDir}temporal-ui-call.png` });
  // Activity summaries name the call's steps (Say message · Welcome, Menu · Main menu, …).
  const summaries = ['Welcome', 'Main menu', 'Sales', 'Goodbye'];
  for (const step of summaries) await page.getByText(new RegExp(`· ${step}\\b`)).first().waitFor();
  await page.getByText('Load Sales and support · v1').first().waitFor();
  assert.equal(await page.getByText('Codec Server could not connect').count(), 0, 'the codec endpoint answered the UI');
  await page.setViewportSize({ width: 1440, height: 1700 });
  await page.getByText('· Main menu').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifactsDir}temporal-ui-history.png` });

  // A viewer reads, and may not change a workflow: the proxy refuses before Temporal sees it.
  const workflowId = decodeURIComponent(href!.split('/').at(-1)!);
  const terminate = await uiRequest(page, 'POST', `/temporal/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}/terminate`, { reason: 'viewer tries' });
  assert.equal(terminate.status, 403, terminate.text);
  assert.match(terminate.text, /Only owners may change a workflow/);
  const settings = JSON.parse((await uiRequest(page, 'GET', '/temporal/api/v1/settings')).text);
  assert.equal(settings.DisableWriteActions, true, 'the UI shows a viewer no write buttons');
  // Queries only read: a viewer may run them (the UI's stack trace and queries tabs).
  const query = await uiRequest(page, 'POST', `/temporal/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}/query/__stack_trace`, { query: { queryType: '__stack_trace' } });
  assert.notEqual(query.status, 403, query.text);
});

test('signed out, the Temporal UI is refused: pages go to sign-in, its API answers 401', { skip: noBrowser }, async () => {
  const page = await newAppPage(browser, stack, { signedOut: true });
  await page.goto('/temporal/namespaces/default/workflows');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/temporal/namespaces/default/workflows');
  for (const path of ['/temporal/api/v1/settings', '/temporal/api/v1/namespaces/default/workflows', '/temporal/_app/version.json']) {
    const response = await fetch(`${stack.api}${path}`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 401, path);
  }
  const terminate = await fetch(`${stack.api}/temporal/api/v1/namespaces/default/workflows/x/terminate`, { method: 'POST', body: '{}' });
  assert.equal(terminate.status, 401);
  // Another workspace's owner: the UI would list this workspace's workflows, so it is refused.
  const stranger = await createTestWorkspace(stack.database.db, uniqueName('stranger'));
  for (const path of ['/temporal/api/v1/namespaces/default/workflows', '/temporal/namespaces/default/workflows']) {
    const response = await fetch(`${stack.api}${path}`, { headers: { ...stranger.headers, accept: 'application/json' } });
    assert.equal(response.status, 403, path);
    assert.match(await response.text(), /otherWorkspace/);
  }

  // Signing in there comes back to the UI.
  await page.getByLabel('Email').fill(viewer.email);
  await page.getByLabel('Password').fill(viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/temporal/namespaces/default/workflows'));
});

test('an owner may terminate a live call through the UI, and it is audited', { skip: noBrowser }, async () => {
  // A call that waits for its caller (nobody joins): live long enough to terminate.
  const started = await stack.post('/api/calls', { roomName: uniqueName('temporal-ui'), calledNumber: CALLED, callerNumber: '+14155550199', media: { waitForCallerMs: 60_000 } });
  // Signed in as the stack's owner; the UI's first load is slow on a busy machine.
  const page = await newAppPage(browser, stack, { timeoutMs: 60_000 });
  await page.goto(`/temporal/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}`);
  await page.getByText('"flowName": "Sales and support"').first().waitFor();
  const terminate = await uiRequest(page, 'POST', `/temporal/api/v1/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}/terminate`, { reason: 'operator stopped it' });
  assert.equal(terminate.status, 200, terminate.text);
  const description = await stack.temporal.client.workflow.getHandle(started.workflowId).describe();
  assert.equal(description.status.name, 'TERMINATED');
  const [entry] = await stack.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'temporal.terminate'), eq(auditLog.target, started.workflowId)));
  assert.equal(entry?.actor, `user:${stack.owner.email}`);
  assert.equal((entry?.details as { status?: number }).status, 200);
  // The app does not show it live forever: the call ended, as terminated.
  let call = await stack.get(`/api/calls/${started.callId}`);
  for (let i = 0; i < 50 && !call.endedAt; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    call = await stack.get(`/api/calls/${started.callId}`);
  }
  assert.deepEqual([call.status, call.endReason], ['failed', 'terminated']);
});

/** A history (JSON) with each `json/plain` payload replaced by the value it holds. */
function readablePayloads(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readablePayloads);
  if (!value || typeof value !== 'object') return value;
  const record = value as { metadata?: { encoding?: string }; data?: string };
  if (record.metadata?.encoding && Buffer.from(record.metadata.encoding, 'base64').toString() === 'json/plain') {
    return JSON.parse(Buffer.from(record.data ?? '', 'base64').toString('utf8'));
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, readablePayloads(inner)]));
}

test('an SRE reads the same decoded history with `temporal workflow show --codec-endpoint --codec-auth`', async () => {
  const finished = await stack.post(`/api/flows/${flowId}/test-runs`, { version: 1, inputs: [{ digits: '2' }] });
  const temporal: string = await resolveTool('temporal');
  const show = (...extra: string[]) =>
    run(temporal, ['workflow', 'show', '--workflow-id', `call-${finished.callId}`, '--address', stack.processEnv.TEMPORAL_ADDRESS!, '--namespace', 'default', '--output', 'json', '--disable-config-file', '--disable-config-env', ...extra], { maxBuffer: 16 * 1024 * 1024 });
  // As docs/operators.md says: the API's codec endpoint and an API key (a viewer's is enough).
  const codec = ['--codec-endpoint', `${stack.api}/api/temporal-codec`, '--codec-auth', `Bearer ${viewer.apiKey}`];
  const decoded = await show(...codec);
  // The JSON keeps payloads as base64 of their (now plain) JSON; the text view prints them.
  const text = JSON.stringify(readablePayloads(JSON.parse(decoded.stdout)), null, 2);
  writeFileSync(`${artifactsDir}temporal-cli-show.json`, text);
  // What the SRE reads on the terminal (`--detailed` prints every field of every event).
  const detailed = (await show(...codec, '--output', 'text', '--detailed')).stdout;
  writeFileSync(`${artifactsDir}temporal-cli-show.txt`, detailed);
  assert.match(detailed, /input\[0\]\.flowName: Sales and support/);
  assert.match(detailed, /userMetadata\.summary: Menu · Main menu/);
  assert.match(text, /"flowName": "Sales and support"/);
  for (const step of ['Welcome', 'Main menu', 'Support', 'Goodbye']) assert.match(text, new RegExp(`· ${step}`), `the activity summary of ${step}`);
  assert.match(text, /"endReason": "completed"/);

  // Without the key the codec refuses (401): the CLI retries until its timeout and shows nothing.
  const refused = await show('--codec-endpoint', `${stack.api}/api/temporal-codec`, '--command-timeout', '3s').then(
    (result) => ({ failed: false, output: `${result.stdout}${result.stderr}` }),
    (error: { stdout?: string; stderr?: string; message: string }) => ({ failed: true, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  assert.equal(refused.failed, true, refused.output);
  assert.doesNotMatch(refused.output, /Sales and support/);
  // And without the codec, the history is ciphertext.
  const raw = (await show()).stdout;
  assert.doesNotMatch(raw, /Sales and support|Main menu/);
  assert.match(raw, /binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/);
});

test('the History page leaves test runs out until the Test calls filter shows them', { skip: noBrowser }, async () => {
  // By now: test runs from the tests above, and the owner's real call.
  const page = await newAppPage(browser, { api: stack.api, owner: viewer });
  await page.goto('/calls/history');
  const rows = page.locator('table[aria-label="Call history"] tbody tr');
  await rows.first().waitFor();
  const ids = async () => rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-history-call-id')}${tr.textContent?.includes('Test') ? ' (test)' : ''}`));
  const real = await ids();
  assert.ok(real.length >= 1 && real.every((id) => !id.startsWith('test-')), real.join(', '));

  await page.getByLabel('Test calls').selectOption('include');
  await page.waitForFunction((count) => document.querySelectorAll('table[aria-label="Call history"] tbody tr').length > count, real.length);
  const all = await ids();
  assert.ok(all.some((id) => /^test-run-.* \(test\)$/.test(id)), all.join(', '));
  assert.ok(real.every((id) => all.includes(id)));
  await page.screenshot({ path: `${artifactsDir}temporal-ui-history-page-tests.png` });

  await page.getByLabel('Test calls').selectOption('only');
  await page.waitForFunction(() => [...document.querySelectorAll('table[aria-label="Call history"] tbody tr')].every((tr) => tr.getAttribute('data-history-call-id')?.startsWith('test-')));
  const only = await ids();
  assert.deepEqual(only, all.filter((id) => id.startsWith('test-')));
  assert.equal(new URL(page.url()).searchParams.get('tests'), 'only', 'the filter is in the address, like the others');
});
