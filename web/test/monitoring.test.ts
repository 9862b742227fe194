// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers and a browser): an operator watches calls in the web app while
 * virtual callers (tools/caller) call the sample flow through the real stack (Temporal, LiveKit,
 * PostgreSQL, both workers). Headless Debian Chromium driven by playwright-core. Screenshots go to
 * data/test-artifacts/monitor-*.png.
 *
 * "Calls appear live on the active calls page, the transcript fills in as the caller goes, each call
 * ends with the right reason, and history filters, search and export find them."
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newAppPage, skipWithoutChromium as skip } from '../../test/support/browser';
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller, type CallerStep } from '../../tools/caller/virtual-caller';
import { artifactsDir, startStack, type Stack } from '../../test/support/stack';
import { uniqueName } from '../../test/support/temporal';

const webDir = fileURLToPath(new URL('..', import.meta.url));
const CALLED = '+14155550177';
const COMPLETES = '+14155550311';
const HANGS_UP = '+14155550322';

let stack: Stack;
let browser: Browser;
let page: Page;
let flowId = '';
const callIds: Record<string, string> = {};

function buildWebApp(): void {
  const vite = path.join(path.dirname(createRequire(path.join(webDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  assert.equal(result.status, 0, `vite build failed:\n${result.stdout}\n${result.stderr}`);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(artifactsDir, `monitor-${name}.png`), fullPage: true });
}

before(async () => {
  if (skip) return;
  buildWebApp();
  stack = await startStack();
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  flowId = flow.id;
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'monitoring' });
  await stack.post('/api/phone-triggers', { phoneNumber: CALLED, flowId: flow.id });
  browser = await launchBrowser();
  page = await newAppPage(browser, stack, { timeoutMs: 20_000 });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Places a call from `callerNumber` with a caller script; resolves when the caller has left. */
async function placeCall(callerNumber: string, script: CallerStep[]) {
  const roomName = uniqueName('monitor-room');
  const caller = runVirtualCaller({ ...stack.liveKit, roomName, silenceHangoverMs: 1200, maxDurationMs: 45_000, script });
  const started = await stack.post('/api/calls', { roomName, calledNumber: CALLED, callerNumber });
  callIds[callerNumber] = started.callId;
  return { started, heard: caller };
}

const activeRow = (callId: string) => page.locator(`tr[data-active-call-id="${callId}"]`);

test('a call appears live on the active calls page, with a notification, and its transcript fills in as it goes', { skip }, async () => {
  await page.goto(`${stack.api}/calls`);
  await page.locator('[data-live-status="live"]').waitFor();
  await page.getByText('No calls right now').waitFor();
  await shot('01-no-calls');

  // Waits a moment after the menu prompt before pressing 2, so the call is seen live at the menu.
  const call = await placeCall(COMPLETES, [{ press: '2', after: 'promptEnd', delayMs: 1500 }, { waitForPrompt: true }]);
  const row = activeRow(call.started.callId);
  await row.waitFor();
  await page.getByText(/Incoming call from \+1 415 555 0311/).waitFor();
  await row.getByText('+1 415 555 0311').waitFor();
  await row.getByText('Sales and support').waitFor();
  // The current step follows the call: it reaches the menu while the caller is still on the line.
  await row.getByRole('cell', { name: 'Main menu' }).waitFor();
  await row.getByText('In progress').waitFor();
  const timer = row.locator('.elapsed');
  const first = await timer.textContent();
  await page.waitForTimeout(1100);
  assert.notEqual(await timer.textContent(), first, 'the duration timer runs');
  await shot('02-call-live');

  // Open the live call: the transcript grows while the caller is still on the line.
  await row.getByRole('link', { name: '+1 415 555 0311' }).click();
  const transcript = page.getByRole('list', { name: 'Transcript' });
  await transcript.getByText('Press 1 for sales, 2 for support.').waitFor();
  const systemLines = await transcript.locator('[data-speaker="system"]').count();
  assert.ok(systemLines >= 2, 'greeting and menu prompt are shown as the system speaking');
  await shot('03-call-detail-live');
  await transcript.locator('[data-speaker="caller"]').getByText('Pressed 2').waitFor();
  await transcript.getByText('You have reached support. Please describe your problem after the tone.').waitFor();
  const heard = await call.heard;
  assert.equal(heard.hungUpByAgent, true);
  await page.getByTestId('end-reason').getByText('The flow finished').waitFor();
  await page.getByRole('list', { name: 'Timeline' }).getByText('Caller pressed 2').waitFor();
  const variables = page.getByRole('table', { name: 'Variables' });
  await variables.getByRole('row', { name: /mainMenu\.digit\s+2/ }).waitFor();
  const temporal = page.getByRole('link', { name: 'Open in Temporal UI' });
  assert.match((await temporal.getAttribute('href')) ?? '', new RegExp(`/workflows/${encodeURIComponent(call.started.workflowId)}$`));
  await shot('04-call-detail-ended');

  // Stored events and what the page showed agree.
  const record = await stack.get(`/api/calls/${encodeURIComponent(call.started.callId)}`);
  assert.equal(record.endReason, 'completed');
  const said = (record.events as { type: string; data: { text?: string } }[]).filter((e) => e.type === 'promptPlayed').map((e) => e.data.text);
  assert.deepEqual(said, [
    'Thanks for calling.',
    'Press 1 for sales, 2 for support.',
    'You have reached support. Please describe your problem after the tone.',
    'Thank you for calling. Goodbye.',
  ]);
  await transcript.getByText('Thank you for calling. Goodbye.').waitFor();
});

test('a caller who hangs up at the menu is shown ending with that reason', { skip }, async () => {
  await page.getByRole('link', { name: 'Live' }).click();
  await page.locator('[data-live-status="live"]').waitFor();
  const call = await placeCall(HANGS_UP, [{ waitForPrompt: true }, { waitMs: 1500 }, { hangup: true }]);
  const row = activeRow(call.started.callId);
  await row.waitFor();
  await row.getByText('In progress').waitFor();
  await call.heard;
  await row.getByText('The caller hung up').waitFor();
  // The call that completed earlier is still listed among the recent calls, with how it ended.
  await page.locator(`tr[data-call-id="${callIds[COMPLETES]}"]`).getByText('Completed').waitFor();
  await shot('05-live-hung-up');
  const record = await stack.get(`/api/calls/${encodeURIComponent(call.started.callId)}`);
  assert.equal(record.endReason, 'callerHungUp');
  assert.equal(record.currentNodeId, 'mainMenu');
});

test('history: search, filters and export find the calls', { skip }, async () => {
  await page.getByRole('link', { name: 'History' }).click();
  const table = page.getByRole('table', { name: 'Call history' });
  await table.locator(`tr[data-history-call-id="${callIds[HANGS_UP]}"]`).waitFor();
  await page.getByTestId('history-range').getByText('1–2 of 2').waitFor();
  await shot('06-history');

  await page.getByRole('searchbox', { name: 'Search' }).fill('555 0322');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('history-range').getByText('1–1 of 1').waitFor();
  await table.locator(`tr[data-history-call-id="${callIds[HANGS_UP]}"]`).getByText('The caller hung up').waitFor();
  assert.match(page.url(), /q=555\+0322|q=555%200322/);
  await shot('07-history-search');

  // Duration filter: a minimum between the two calls' lengths finds only the longer call.
  const [done, hungUp] = await Promise.all([COMPLETES, HANGS_UP].map((n) => stack.get(`/api/call-history?q=${encodeURIComponent(callIds[n]!)}`)));
  const [longer, shorter] = [done.calls[0], hungUp.calls[0]].sort((a, b) => b.durationMs - a.durationMs);
  assert.ok(longer.durationMs - shorter.durationMs > 2000, `durations ${longer.durationMs} and ${shorter.durationMs} ms differ`);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('spinbutton', { name: 'Shortest duration in seconds' }).fill(String(Math.round((longer.durationMs + shorter.durationMs) / 2000)));
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByTestId('history-range').getByText('1–1 of 1').waitFor();
  await table.locator(`tr[data-history-call-id="${longer.id}"]`).waitFor();

  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('combobox', { name: 'Flow' }).selectOption(flowId);
  await page.getByRole('combobox', { name: 'Status' }).selectOption('completed');
  await page.getByTestId('history-range').getByText('1–2 of 2').waitFor();
  // The export link carries the filters; what it downloads is those calls.
  const href = (await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href')) ?? '';
  assert.match(href, new RegExp(`flowId=${flowId}`));
  const exported = (await (await page.request.get(`${stack.api}${href}`)).json()) as { id: string; endReason: string }[];
  assert.deepEqual(exported.map((c) => [c.id, c.endReason]).sort(), [
    [callIds[COMPLETES], 'completed'],
    [callIds[HANGS_UP], 'callerHungUp'],
  ].sort());
  const csv = await (await page.request.get(`${stack.api}${(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? ''}`)).text();
  assert.equal(csv.trim().split('\n').length, 3, 'a header and two calls');
  await shot('08-history-filtered');
});

test('stats: calls, completion rate, where the caller hung up, keys versus speech', { skip }, async () => {
  await page.getByRole('link', { name: 'Stats' }).click();
  await page.getByTestId('stat-calls').getByText('2', { exact: true }).waitFor();
  await page.getByTestId('stat-completion').getByText('50%').waitFor();
  const dropOff = page.getByRole('table', { name: 'Drop-off by step' });
  await dropOff.getByRole('row', { name: /Sales and support\s+Main menu · Menu\s+1/ }).waitFor();
  assert.match((await page.getByTestId('stat-digits').textContent()) ?? '', /^1 in 1 calls$/);
  await shot('09-stats');
});

test('a caller who speaks and leaves a voicemail: their words in the transcript, the recording with its waveform', { skip }, async () => {
  const number = '+14155550178';
  const flow = await stack.post('/api/flows', {
    name: 'Voicemail line',
    graph: {
      start: 'ask',
      nodes: [
        { id: 'ask', type: 'listen', label: 'Ask why', config: { prompt: 'Tell me why you are calling.', saveAs: 'reason' } },
        { id: 'voicemail', type: 'recordVoicemail', label: 'Voicemail', config: { prompt: 'Leave a message after the tone.' } },
        { id: 'bye', type: 'hangup', label: 'Bye', config: { farewell: 'Goodbye.' } },
        { id: 'noMessage', type: 'hangup', label: 'No message', config: { farewell: 'No message recorded.' } },
      ],
      edges: [
        { from: 'ask', exit: 'heard', to: 'voicemail' },
        { from: 'ask', exit: 'noInput', to: 'voicemail' },
        { from: 'voicemail', exit: 'recorded', to: 'bye' },
        { from: 'voicemail', exit: 'noAudio', to: 'noMessage' },
      ],
    },
  });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: number, flowId: flow.id });
  const roomName = uniqueName('monitor-vm');
  const caller = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    silenceHangoverMs: 1200,
    maxDurationMs: 60_000,
    script: [
      { say: 'I would like to buy a new phone', after: 'promptEnd' },
      { say: 'Hello, please call me back about my order.', after: 'promptEnd' },
      { press: '#', delayMs: 300 },
      { waitForPrompt: true },
    ],
  });
  const started = await stack.post('/api/calls', { roomName, calledNumber: number, callerNumber: '+14155550333' });
  await page.goto(`${stack.api}/calls/${encodeURIComponent(started.callId)}`);
  const transcript = page.getByRole('list', { name: 'Transcript' });
  await transcript.getByText('Tell me why you are calling.').waitFor();
  await caller;
  await page.getByTestId('end-reason').getByText('The flow finished').waitFor({ timeout: 30_000 });
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  const kinds = (record.events as { type: string; nodeId: string | null; data: Record<string, unknown> }[]).map((e) => `${e.type}:${e.nodeId}:${JSON.stringify(e.data)}`);
  assert.ok(kinds.some((kind) => kind.startsWith('voicemailRecorded')), kinds.join('\n'));
  const said = (record.events as { type: string; data: { transcript?: string } }[]).find((e) => e.type === 'callerSaid')?.data.transcript;
  assert.ok(said, 'the caller was heard');
  await transcript.locator('[data-speaker="caller"]').getByText(said, { exact: true }).waitFor();
  await transcript.locator('[data-speaker="caller"]').getByText(/^Left a voicemail/).waitFor();
  await page.getByRole('table', { name: 'Variables' }).getByRole('row', { name: new RegExp(`flow\\.reason\\s+${said}`) }).waitFor();
  assert.equal(record.recordings.length, 1);
  const waveform = page.getByRole('img', { name: 'Waveform of Voicemail recording' });
  await waveform.waitFor();
  await page.getByRole('img', { name: 'Waveform of Voicemail recording' }).scrollIntoViewIfNeeded();
  // The waveform is drawn from the WAV: louder columns are taller, so the canvas is not blank.
  await page.waitForFunction(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.recording__waveform');
    const context = canvas?.getContext('2d');
    if (!canvas || !context || canvas.width === 0) return false;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) inked++;
    return inked > canvas.width * 4;
  });
  const audio = page.getByLabel('Voicemail recording', { exact: true });
  assert.match((await audio.getAttribute('src')) ?? '', /^\/api\/recordings\/.+\/audio$/);
  await shot('10-voicemail');
});
