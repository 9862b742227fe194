/**
 * Browser (starts servers and headless Chromium): the tutorial's appointment-booking agent on the
 * canvas. Its outcomes are exits of the step, its settings are checked like any step's (no model
 * named: a problem on the step), and a scripted test run of the draft plays the caller's two answers
 * against scripted model answers: the agent saves the day and the hour, finishes `booked`, and the
 * farewell reads the fields back. Screenshot: test-results/web-ai-agent-run.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { appointmentAgentSample } from '@switchboard/flow-model';
import { startStack, type Stack } from '../../test/support/stack';
import { buildWebApp, launchBrowser, newAppPage, noBrowser } from '../../test/support/browser';

const resultsDir = path.resolve('test-results');
let stack: Stack;
let browser: Browser;
let page: Page;
let flowId = '';

before(async () => {
  if (noBrowser) return;
  buildWebApp();
  stack = await startStack({ mediaWorker: false });
  browser = await launchBrowser();
  page = await newAppPage(browser, stack);
  flowId = (await stack.post('/api/flows', { name: appointmentAgentSample.name, graph: appointmentAgentSample.graph, layout: appointmentAgentSample.layout })).id;
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

test('the AI agent step on the canvas: outcomes are exits, and a step without a model is a problem', { skip: noBrowser }, async () => {
  await page.goto(`/flows/${flowId}`);
  const agent = node('agent');
  await agent.waitFor();
  for (const exit of [/^booked$/i, /^wants human$/i, /^not eligible$/i, /^no input$/i, /^limit reached$/i, /^model failed$/i]) {
    assert.equal(await agent.getByText(exit).count(), 1, `the step shows the exit ${exit}`);
  }
  await agent.click();
  const model = page.locator('.editor__right').getByRole('textbox', { name: 'Model', exact: true });
  assert.equal(await model.inputValue(), 'gpt-4o-mini');
  await model.fill('');
  await page.getByText('Name the model, e.g. gpt-4o-mini').first().waitFor();
  assert.equal(await page.getByTestId('problem-count').innerText(), '1');
  await model.fill('gpt-4o-mini');
  await page.getByText('No problems: ready to publish.').waitFor();
});

test('a scripted run of the draft: the caller answers twice, the scripted model saves day and hour and finishes booked', { skip: noBrowser }, async () => {
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await page.getByRole('tab', { name: 'Scripted run' }).click();
  const scripted = page.getByRole('region', { name: 'Scripted run' });
  await scripted.getByLabel('The caller, one line per step').fill('say: tuesday please\nsay: ten in the morning');
  await scripted
    .getByLabel('AI agent answers, in order')
    .fill('Tuesday, great. What hour? | set_field day=tuesday\nBooked for Tuesday at ten. | set_field hour=10 | finish booked');
  await scripted.getByRole('button', { name: 'Run', exact: true }).click();
  const result = scripted.getByTestId('scripted-run-result');
  await result.waitFor({ timeout: 60_000 });
  const pathTaken = await scripted.getByRole('list', { name: 'Path taken' }).locator('li').allInnerTexts();
  assert.deepEqual(pathTaken, ['Booking agent', 'Confirm']);
  const said = await scripted.getByRole('list', { name: 'The flow said' }).locator('li').allInnerTexts();
  assert.ok(said.includes('Hello, this is Bright Smile Dental. Which day would you like to come in?'), said.join(' | '));
  assert.ok(said.includes('Tuesday, great. What hour?'), said.join(' | '));
  assert.ok(said.includes('You are booked for tuesday at 10. Goodbye.'), said.join(' | '));
  await page.screenshot({ path: path.join(resultsDir, 'web-ai-agent-run.png') });

  // A model that fails takes the step's error exit, to Human.
  await scripted.getByLabel('AI agent answers, in order').fill('error: the model is down');
  await scripted.getByRole('button', { name: 'Run', exact: true }).click();
  await scripted.getByRole('list', { name: 'Path taken' }).getByText('Human').waitFor({ timeout: 60_000 });
});
