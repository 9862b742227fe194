/**
 * Browser (starts servers and headless Chromium): a live flow has recorded calls; the builder
 * changes where key 2 leads in the draft, opens Test → What if, replays the calls, and sees exactly
 * the callers who pressed 2 take another path, parting after the menu; "Show new path" draws it
 * on the canvas. Screenshot: data/test-artifacts/what-if.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { salesSupportSample, type FlowGraphInput } from '@switchboard/flow-model';
import { calls } from '../../db/schema';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';

let stack: Stack;
let browser: Browser;
let page: Page;
let flowId = '';
const recorded: Record<string, string> = {};

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false });
  browser = await launchBrowser();
  page = await newAppPage(browser, stack);
  flowId = (await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph, layout: salesSupportSample.layout })).id;
  await stack.post(`/api/flows/${flowId}/versions`, {});
  // Calls recorded by the real call workflow (scripted, no audio), kept as real calls.
  for (const [name, inputs] of Object.entries({ pressed1: [{ digits: '1' }], pressed2: [{ digits: '2' }], silent: [{ silence: true }, { silence: true }, { silence: true }] })) {
    const run = await stack.post(`/api/flows/${flowId}/test-runs`, { version: 1, inputs });
    await stack.database.db.update(calls).set({ test: false }).where(eq(calls.id, run.callId));
    recorded[name] = run.callId;
  }
  // The draft sends key 2 to a new step instead of Support.
  const draft: FlowGraphInput = structuredClone(salesSupportSample.graph);
  draft.nodes = draft.nodes.filter((node) => node.id !== 'support');
  draft.nodes.push({ id: 'supportClosed', type: 'greet', label: 'Support closed', config: { text: 'Support is closed today.' } });
  draft.edges = (draft.edges ?? []).filter((edge) => edge.from !== 'support').map((edge) => (edge.to === 'support' ? { ...edge, to: 'supportClosed' } : edge));
  draft.edges.push({ from: 'supportClosed', exit: 'next', to: 'goodbye' });
  const layout = { nodes: { ...salesSupportSample.layout.nodes, supportClosed: salesSupportSample.layout.nodes.support } };
  const saved = await fetch(`${stack.api}/api/flows/${flowId}/draft`, { method: 'PUT', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ graph: draft, layout }) });
  assert.equal(saved.status, 200);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('What if: the callers who pressed 2 would now hear “Support closed”; the others keep their path', { skip: noBrowser }, async () => {
  await page.goto(`/flows/${flowId}`);
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await page.getByRole('tab', { name: 'What if' }).click();
  await page.getByLabel('The most recent calls').fill('10');
  await page.getByRole('button', { name: 'Replay calls' }).click();
  const report = page.getByTestId('what-if-report');
  await report.getByText('3 of 3 replayed').waitFor({ timeout: 60_000 });
  assert.match(await report.locator('[data-outcome-total="samePath"]').innerText(), /^2 same path/);
  assert.match(await report.locator('[data-outcome-total="differentPath"]').innerText(), /^1 different path/);

  const changed = report.locator(`li[data-call-id="${recorded.pressed2}"]`);
  assert.equal(await changed.getAttribute('data-outcome'), 'differentPath');
  assert.match(await changed.innerText(), /After Main menu: went to support \(removed\), now goes to Support closed/);
  for (const name of ['pressed1', 'silent']) assert.equal(await report.locator(`li[data-call-id="${recorded[name]}"]`).getAttribute('data-outcome'), 'samePath', name);

  // The new path on the canvas.
  await changed.getByRole('button', { name: 'Show new path' }).click();
  await page.locator('[data-node-id="supportClosed"][data-trace="visited"]').waitFor();
  assert.equal(await page.locator('[data-node-id="sales"][data-trace]').count(), 0);
  await page.screenshot({ path: path.join(artifactsDir, 'what-if.png') });

  // Nothing was recorded as a call.
  const history = await stack.get('/api/call-history?limit=50');
  const ids = (history.calls ?? history.items ?? history).map((call: { id: string }) => call.id) as string[];
  assert.equal(ids.filter((id) => id.includes('what-if')).length, 0);
});
