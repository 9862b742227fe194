/**
 * End to end: publishing a flow caches its static prompts on a media worker (through Temporal), a
 * call then plays them from the cache, and the builder's preview endpoint speaks any text.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { salesSupportSample, staticPrompts, validateFlow } from '@switchboard/flow-model';
import { EspeakTts } from '../../activities/media/espeak-tts';
import { promptKey } from '../../activities/media/prompt-cache';
import { decodeWav } from '../../lib/wav';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { startStack, type Stack } from '../support/stack';
import { uniqueName, workflowStarted } from '../support/temporal';
import { numberPrompts, versionPrompts, warmLivePrompts, warmPromptsWorkflowId } from '../../api/prompt-warming';
import { DEFAULT_WORKSPACE_ID, flows, flowVersions, phoneTriggers } from '../../db/schema';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

/** A call to `calledNumber` that presses 1 (sales) and listens to the end; the media worker's prompt cache hits and misses during it. */
async function callCountingCache(calledNumber: string) {
  const cache = stack.mediaWorker?.promptCache;
  assert.ok(cache);
  const before = { ...cache.stats };
  const roomName = uniqueName('cached-room');
  const caller = runVirtualCaller({ ...stack.liveKit, roomName, silenceHangoverMs: 1200, maxDurationMs: 60_000, script: [{ press: '1', after: 'promptEnd' }, { waitForPrompt: true }] });
  await stack.post('/api/calls', { roomName, calledNumber });
  const heard = await caller;
  assert.equal(heard.endReason, 'agentHungUp');
  return { heard, hits: cache.stats.hits - before.hits, misses: cache.stats.misses - before.misses };
}

test('publishing caches every static prompt; a call then plays them from the cache', async () => {
  const flow = await stack.post('/api/flows', { name: 'Cached prompts', graph: salesSupportSample.graph });
  const version = await stack.post(`/api/flows/${flow.id}/versions`, {});
  const warmed = await stack.temporal.client.workflow.getHandle(`warm-prompts-${version.id}`).result();
  const validated = validateFlow(salesSupportSample.graph);
  assert.ok(validated.ok);
  const prompts = staticPrompts(validated.flow);
  // Each distinct prompt once.
  const distinct = versionPrompts(validated.flow).length;
  assert.equal(warmed.synthesized + warmed.cached, distinct);
  assert.equal(warmed.synthesized, new Set(prompts.map((p) => p.text)).size, 'each distinct text synthesized once');
  const label = new EspeakTts().label;
  for (const prompt of prompts) {
    const stored = await stack.blobs.get(promptKey(label, prompt.text, prompt));
    assert.ok(stored, `"${prompt.nodeId}.${prompt.field}" is cached`);
    assert.ok(decodeWav(stored).samples.length > 4_000, 'with audio in it');
  }

  // Publishing again synthesizes nothing new.
  const again = await stack.post(`/api/flows/${flow.id}/versions`, { note: 'same prompts' });
  const rewarmed = await stack.temporal.client.workflow.getHandle(`warm-prompts-${again.id}`).result();
  assert.deepEqual(rewarmed, { synthesized: 0, cached: distinct });

  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550177', flowId: flow.id });
  const { heard, hits, misses } = await callCountingCache('+14155550177');
  assert.ok(heard.prompts.length >= 2, `heard ${heard.prompts.length} prompts`);
  // Welcome, menu and the sales message came from the cache; nothing was synthesized in the call.
  assert.ok(hits >= 3, `cache hits ${hits}`);
  assert.equal(misses, 0);
});

test('a version a number runs but nobody published here (the seeded sample) is cached when an API starts, once', async () => {
  // As db/seed.ts adds the sample: a version written straight to the database, no publish.
  const graph = structuredClone(salesSupportSample.graph);
  const welcome = graph.nodes.find((node) => node.id === 'welcome');
  assert.ok(welcome?.config);
  const text = `Welcome to ${uniqueName('seeded')}.`;
  welcome.config = { ...welcome.config, text };
  const validated = validateFlow(graph);
  assert.ok(validated.ok);
  const { db } = stack.database;
  const [flow] = await db.insert(flows).values({ workspaceId: DEFAULT_WORKSPACE_ID, name: uniqueName('Seeded'), draftGraph: graph }).returning();
  assert.ok(flow);
  const [version] = await db.insert(flowVersions).values({ workspaceId: DEFAULT_WORKSPACE_ID, flowId: flow.id, version: 1, graph: validated.flow }).returning();
  assert.ok(version);
  const label = new EspeakTts().label;
  assert.equal(await stack.blobs.get(promptKey(label, text)), undefined, 'not cached before');
  // Not run by any number yet: left alone.
  await warmLivePrompts(db, stack.temporal.client);
  await assert.rejects(stack.temporal.client.workflow.getHandle(warmPromptsWorkflowId(version.id)).describe(), /not found/i);

  await db.insert(phoneTriggers).values({ workspaceId: DEFAULT_WORKSPACE_ID, phoneNumber: '+14155550178', flowId: flow.id });
  const first = await warmLivePrompts(db, stack.temporal.client);
  assert.ok(first.started >= 1, JSON.stringify(first));
  const handle = stack.temporal.client.workflow.getHandle(warmPromptsWorkflowId(version.id));
  const warmed = await handle.result();
  assert.equal(warmed.synthesized + warmed.cached, versionPrompts(validated.flow).length);
  const stored = await stack.blobs.get(promptKey(label, text));
  assert.ok(stored && decodeWav(stored).samples.length > 4_000, 'the seeded welcome is cached');
  const { runId } = await handle.describe();

  // The next API start finds it done and starts nothing for it.
  await warmLivePrompts(db, stack.temporal.client);
  assert.equal((await handle.describe()).runId, runId);
});

test('a number with a voice, language and lines of its own has its prompts cached as it speaks them when it is saved: its calls synthesize nothing', async () => {
  const flow = await stack.post('/api/flows', { name: 'Own voice', graph: salesSupportSample.graph });
  const version = await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.temporal.client.workflow.getHandle(warmPromptsWorkflowId(version.id)).result();
  const settings = {
    voice: 'en-gb',
    language: 'en-GB',
    ttsProvider: 'espeak',
    recordCalls: true,
    recordingConsentPrompt: `This call is recorded, ${uniqueName('notice')}.`,
    recoveryPrompt: 'Sorry about that. As I was saying:',
  };
  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550179', flowId: flow.id, settings });
  const validated = validateFlow(salesSupportSample.graph);
  assert.ok(validated.ok);
  const prompts = versionPrompts(validated.flow, numberPrompts(settings));
  const handle = stack.temporal.client.workflow.getHandle(warmPromptsWorkflowId(version.id, prompts));
  // Started in the background once the number was saved.
  await workflowStarted(handle, 'the number’s prompt caching');
  const warmed = await handle.result();
  // Nothing of it was cached before: another voice, and the number's own lines.
  assert.deepEqual(warmed, { synthesized: prompts.length, cached: 0 });

  const { hits, misses } = await callCountingCache('+14155550179');
  // The recording notice, welcome, menu and the sales message, all in the number's voice, from the cache.
  assert.ok(hits >= 4, `cache hits ${hits}`);
  assert.equal(misses, 0, 'nothing synthesized during the call');

  // The next API start finds it done: nothing new starts.
  const { runId } = await handle.describe();
  await warmLivePrompts(stack.database.db, stack.temporal.client);
  assert.equal((await handle.describe()).runId, runId);
});

test('the preview endpoint speaks a text as WAV and keeps nothing of it; bad input gets a clear error', async () => {
  const text = `Thanks for calling Acme, ${uniqueName('mister')}. How can we help?`;
  const response = await fetch(`${stack.api}/api/prompts/preview`, {
    method: 'POST',
    headers: { ...stack.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'audio/wav');
  const audio = decodeWav(new Uint8Array(await response.arrayBuffer()));
  const ms = (audio.samples.length / audio.sampleRate) * 1000;
  assert.ok(ms > 1_200 && ms < 10_000, `${ms} ms of speech`);
  assert.equal(Number(response.headers.get('x-duration-ms')), Math.round(ms));
  // The text a builder typed is kept nowhere: not in the shared prompt cache, and its one-time
  // audio is gone once answered.
  assert.equal(await stack.blobs.get(promptKey(new EspeakTts().label, text)), undefined, 'a preview is not cached');
  const previews = await readdir(join(stack.processEnv.SWITCHBOARD_STORAGE_DIR!, 'previews')).catch(() => []);
  assert.deepEqual(previews, [], 'no preview audio is left in storage');
  // Its workflow is its workspace's (the codec decrypts its payloads for that workspace's members).
  const workspaceId = (await stack.get('/api/workspace')).id as string;
  let listed: string[] = [];
  for (let i = 0; i < 50 && !listed.length; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    listed = [];
    for await (const execution of stack.temporal.client.workflow.list({ query: `WorkflowType = 'previewPrompt'` })) listed.push(execution.workflowId);
  }
  assert.ok(listed.some((id) => id.startsWith(`prompt-preview-${workspaceId}-`)), listed.join());

  const empty = await fetch(`${stack.api}/api/prompts/preview`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ text: '  ' }) });
  assert.equal(empty.status, 400);
  assert.match(JSON.stringify(await empty.json()), /Give the text to speak/);

  const badVoice = await fetch(`${stack.api}/api/prompts/preview`, {
    method: 'POST',
    headers: { ...stack.authHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Hello', voice: 'no-such-voice' }),
  });
  assert.equal(badVoice.status, 502);
  assert.match(((await badVoice.json()) as { error: { message: string } }).error.message, /could not speak.*no voice/);
});
