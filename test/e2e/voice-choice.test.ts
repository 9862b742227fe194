// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers): provider choice and call recording, heard by a virtual caller.
 * Real Temporal dev server, LiveKit server, PostgreSQL, API, flow worker and media worker; the
 * cloud speech provider is the local fake ElevenLabs server (activities/media/providers/testing/).
 *
 * - A trigger that chooses ElevenLabs, whose server answers 503: the call retries, falls back to
 *   espeak-ng mid-call, and the call record holds one `providerFallback` event.
 * - A trigger that records calls: the consent prompt plays, `recordingConsent` is recorded, and the
 *   stereo recording has the caller's speech on the left and the prompts on the right.
 * - A builder test run of a number's flow starts its workflow with the number's voice and recording
 *   settings (launchCall), and old settings without a consent prompt get the default notice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EncryptionCodec } from '../../lib/privacy/payload-codec';
import { defaultPayloadConverter } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { DEFAULT_RECORDING_CONSENT_PROMPT, salesSupportSample, validateFlow } from '@switchboard/flow-model';
import { numberPrompts, versionPrompts, warmPromptsWorkflowId } from '../../api/prompt-warming';
import { phoneTriggers } from '../../db/schema';
import type { CallFlowInput } from '../../workflows/call-flow';
import { callWorkflowId } from '../../workflows/definitions';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { startFakeElevenLabs } from '../../activities/media/providers/testing/fake-elevenlabs';
import type { FakeServer } from '../../activities/media/providers/testing/fake-server';
import { wavChannels } from '../../lib/wav';
import { startStack, type Stack } from '../support/stack';
import { uniqueName, workflowStarted } from '../support/temporal';

type CallEvent = { seq: number; type: string; nodeId: string | null; data: Record<string, unknown> };

let stack: Stack;
let elevenLabs: FakeServer;
let flowId: string;
let versionId: string;
before(async () => {
  elevenLabs = await startFakeElevenLabs({ apiKey: 'test-key', behavior: 'serverError' });
  // The worker's own order is espeak-ng only; ElevenLabs is usable because its key is set.
  stack = await startStack({ voiceEnv: { TTS_PROVIDERS: 'espeak', ELEVENLABS_API_KEY: 'test-key', ELEVENLABS_BASE_URL: elevenLabs.url } });
  const flow = await stack.post('/api/flows', { name: 'Sales and support', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  versionId = (await stack.post(`/api/flows/${flow.id}/versions`, { note: 'e2e' })).id;
  flowId = flow.id;
});
after(async () => {
  await stack?.stop();
  await elevenLabs?.close();
});

async function call(calledNumber: string, script: Parameters<typeof runVirtualCaller>[0]['script']) {
  const roomName = uniqueName('voice-room');
  const caller = runVirtualCaller({ ...stack.liveKit, roomName, silenceHangoverMs: 1200, maxDurationMs: 60_000, script });
  const started = await stack.post('/api/calls', { roomName, calledNumber, callerNumber: '+14155550100' });
  const heard = await caller;
  const result = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  return { heard, result, record, callId: started.callId as string, events: record.events as CallEvent[] };
}

test('a trigger that chooses a failing provider: retried, then espeak-ng takes over mid-call, recorded as one providerFallback event', async () => {
  const calledNumber = '+14155550131';
  const settings = { ttsProvider: 'elevenlabs', language: 'en-US' };
  await stack.post('/api/phone-triggers', { phoneNumber: calledNumber, flowId, settings });
  // Saving the number caches its prompts as ElevenLabs speaks them. ElevenLabs fails: what espeak-ng
  // said in its place is not stored under its name (calls try ElevenLabs again), and the rest of
  // its prompts are left to calls.
  const validated = validateFlow(salesSupportSample.graph);
  assert.ok(validated.ok);
  const prompts = versionPrompts(validated.flow, numberPrompts(settings));
  const warming = stack.temporal.client.workflow.getHandle(warmPromptsWorkflowId(versionId, prompts));
  await workflowStarted(warming, 'the number’s prompt caching');
  assert.deepEqual(await warming.result(), { synthesized: 0, cached: 0, notCached: prompts.length });
  assert.equal(elevenLabs.requests.length, 3, 'one prompt tried ElevenLabs three times');
  elevenLabs.requests.splice(0);
  const { heard, result, events } = await call(calledNumber, [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }]);

  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);
  // The caller heard every prompt, spoken by espeak-ng (the fake would have sent a 440 Hz tone).
  assert.ok(heard.prompts.length >= 2, JSON.stringify(heard.prompts));
  assert.ok((heard.prompts[0]?.rms ?? 0) > 500);

  // The first prompt tried ElevenLabs three times (503, retried with backoff); later prompts went
  // straight to espeak-ng: the provider that took over keeps the call.
  assert.equal(elevenLabs.requests.length, 3, elevenLabs.requests.map((r) => r.behavior).join(','));
  assert.ok(elevenLabs.requests.every((r) => r.behavior === 'serverError'));
  const fallbacks = events.filter((event) => event.type === 'providerFallback');
  assert.equal(fallbacks.length, 1, JSON.stringify(fallbacks));
  assert.equal(fallbacks[0]?.nodeId, 'welcome');
  assert.deepEqual(fallbacks[0]?.data, { kind: 'tts', from: 'elevenlabs', to: 'espeak-ng', reason: 'HTTP 503' });
  assert.deepEqual(
    events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId),
    ['welcome', 'mainMenu', 'support', 'goodbye'],
  );
});

/** RMS of each 100 ms window of a channel. */
function windows(samples: Int16Array, sampleRate: number): number[] {
  const size = sampleRate / 10;
  const out: number[] = [];
  for (let start = 0; start + size <= samples.length; start += size) {
    let sum = 0;
    for (let i = start; i < start + size; i++) sum += (samples[i] as number) ** 2;
    out.push(Math.sqrt(sum / size));
  }
  return out;
}

test('a recorded call: consent prompt first, then both sides in a stereo recording (caller left, prompts right)', async () => {
  const calledNumber = '+14155550132';
  await stack.post('/api/phone-triggers', {
    phoneNumber: calledNumber,
    flowId,
    settings: { recordCalls: true, recordingConsentPrompt: 'This call is recorded.' },
  });
  // The caller speaks after the menu prompt, then presses 2.
  const { heard, result, record, callId, events } = await call(calledNumber, [
    { say: 'I would like some help with my order please', after: 'promptEnd', promptIndex: 1 },
    { press: '2', after: 4_000 },
    { waitForPrompt: true },
  ]);
  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);

  const types = events.map((event) => event.type);
  const consent = types.indexOf('recordingConsent');
  assert.ok(consent >= 0, types.join(','));
  assert.ok(consent < types.indexOf('callAnswered'), 'consent came before the flow started');
  assert.ok(Number(events[consent]?.data.playedMs) > 500, 'the consent prompt was played');
  const started = events.filter((event) => event.type === 'recordingStarted');
  assert.deepEqual(started.map((event) => event.data.recordingId), [`${callId}-call-1`]);
  assert.deepEqual(
    (record.recordings as Array<{ id: string; kind: string }>).map((r) => [r.id, r.kind]),
    [[`${callId}-call-1`, 'call']],
  );

  const response = await fetch(`${stack.api}/api/calls/${encodeURIComponent(callId)}/recording`, { headers: stack.authHeaders });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'audio/wav');
  const { sampleRate, channels } = wavChannels(new Uint8Array(await response.arrayBuffer()));
  assert.equal(sampleRate, 16_000);
  assert.equal(channels.length, 2);
  const [left, right] = channels.map((channel) => windows(channel, sampleRate)) as [number[], number[]];
  const seconds = left.length / 10;
  assert.ok(seconds > 8, `recorded ${seconds} s`);
  // Caller speaking, system silent: the caller's words are on the left only.
  const callerOnly = left.filter((rms, i) => rms > 500 && (right[i] ?? 0) < 100).length;
  // System speaking, caller silent: the prompts are on the right only.
  const systemOnly = right.filter((rms, i) => rms > 500 && (left[i] ?? 0) < 100).length;
  assert.ok(callerOnly >= 10, `caller-only windows: ${callerOnly}`);
  assert.ok(systemOnly >= 30, `system-only windows: ${systemOnly}`);

  const missing = await fetch(`${stack.api}/api/calls/${encodeURIComponent(callId)}/recording?part=2`, { headers: stack.authHeaders });
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /1 part/);
});

test("a builder test run of a number's flow gets the number's voice and recording settings, as its phone calls do", async () => {
  const flow = await stack.post('/api/flows', { name: 'Test-run voice', graph: salesSupportSample.graph, layout: salesSupportSample.layout });
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'e2e' });
  const trigger = await stack.post('/api/phone-triggers', {
    phoneNumber: '+14155550133',
    flowId: flow.id,
    settings: { ttsProvider: 'openai', sttProvider: 'deepgram', language: 'fr-FR', voice: 'nova', recordCalls: true, recordingConsentPrompt: 'Cet appel est enregistré.' },
  });
  const inputOf = async () => {
    const run = await stack.post(`/api/flows/${flow.id}/test-runs`, { inputs: [{ digits: '2' }] });
    const history = await stack.temporal.client.workflow.getHandle(callWorkflowId(run.callId)).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(payload, 'the test run started a call workflow');
    // Payloads are encrypted in the history (lib/privacy/payload-codec.ts): decode as the UI's codec does.
    const [decoded] = await new EncryptionCodec(stack.privacy.payloadKeys).decode([payload]);
    return defaultPayloadConverter.fromPayload<CallFlowInput>(decoded!);
  };
  const input = await inputOf();
  assert.equal(input.triggerId, trigger.id);
  assert.deepEqual(input.voice, { ttsProvider: 'openai', sttProvider: 'deepgram', language: 'fr-FR', voice: 'nova' });
  assert.deepEqual(input.recording, { consentPrompt: 'Cet appel est enregistré.' });

  // Settings saved before a consent prompt was required still record, with the default notice.
  await stack.database.db.update(phoneTriggers).set({ settings: { recordCalls: true } }).where(eq(phoneTriggers.id, trigger.id));
  const old = await inputOf();
  assert.equal(old.voice, undefined);
  assert.deepEqual(old.recording, { consentPrompt: DEFAULT_RECORDING_CONSENT_PROMPT });
});
