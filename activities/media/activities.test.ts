/**
 * The media activities at their seam: each test is one call on a {@link FakeMediaSession} with fake
 * speech providers, run in Temporal's mock activity context (no server, no LiveKit room). The real
 * session, providers and a whole call through LiveKit are tested in livekit-session.test.ts,
 * providers/ and test/e2e/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createLogger } from '../../lib/logger.js';
import type { BlobStore } from '../../lib/blob-store.js';
import { createMediaActivities, HEARD_WAIT_MS, type MediaActivityDeps } from './activities.js';
import type { AttachMediaInput } from './contract.js';
import { FallbackTts } from './providers/fallback.js';
import { ProviderError } from './providers/errors.js';
import { MediaSessionEndedError } from './session/ended.js';
import { FakeMediaSession } from './testing/fake-media-session.js';
import { FAKE_MS_PER_CHARACTER } from './testing/fake-speech.js';
import { FakeStt } from './testing/fake-stt.js';
import { FakeTts } from './testing/fake-tts.js';

const logger = createLogger('media-activities-test', 'silent');
const callId = 'call-1';
const nodeId = 'node-1';
/** How long the fake synthesizer's audio of `text` lasts. */
const spokenMs = (text: string): number => text.length * FAKE_MS_PER_CHARACTER;

/** An activity context (failures are the tests' to check, not to log). */
const mockEnv = (info?: { attempt: number }) => new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });

/** Runs one activity in `env`'s context, keeping its types (MockActivityEnvironment.run loses them). */
function runIn<I, R>(env: MockActivityEnvironment, activity: (input: I) => Promise<R>, input: I): Promise<R> {
  return env.run(activity, input) as Promise<R>;
}

/** Nothing stored: these calls play no uploaded audio. */
const noBlobs: BlobStore = { put: async () => {}, get: async () => undefined, delete: async () => {}, size: async () => undefined };

/** A worker's dependencies with nothing stored and no transfers; `overrides` replace any. */
function workerDeps(overrides: Partial<MediaActivityDeps> & Pick<MediaActivityDeps, 'joinRoom'>): MediaActivityDeps {
  return {
    workerId: 'worker-a',
    taskQueue: 'media-worker-a',
    notifyCallerHungUp: async () => {},
    acceptingCalls: () => true,
    blobs: noBlobs,
    transferCall: async () => {},
    logger,
    ...overrides,
  };
}

interface CallOptions {
  session?: FakeMediaSession;
  attach?: Partial<AttachMediaInput>;
  deps?: Partial<MediaActivityDeps>;
}

/** One call attached to a worker: its session, activities, and what the worker reported. */
async function call(options: CallOptions = {}) {
  const tts = new FakeTts();
  const stt = new FakeStt();
  const session = options.session ?? new FakeMediaSession({ tts, stt });
  const hangUpSignals: string[] = [];
  const turns: Array<{ input: 'digit' | 'speech'; latencyMs: number }> = [];
  const activities = createMediaActivities(
    workerDeps({
      joinRoom: async () => session,
      notifyCallerHungUp: async (id) => void hangUpSignals.push(id),
      heartbeatIntervalMs: 20,
      onTurn: (input, latencyMs) => turns.push({ input, latencyMs }),
      ...options.deps,
    }),
  );
  const env = mockEnv();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const run = <I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> => runIn(env, activity, input);
  const attached = await run(activities.attachMedia, { callId, roomName: 'room-1', waitForCallerMs: 1_000, ...options.attach });
  return { session, tts, stt, activities, run, attached, hangUpSignals, turns, heartbeats };
}

/** Rejects with an ApplicationFailure of `type` (and says whether it may be retried). */
async function rejectsWithFailure(promise: Promise<unknown>, type: string, nonRetryable: boolean): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, not ${String(error)}`);
    assert.equal(error.type, type);
    assert.equal(error.nonRetryable, nonRetryable);
    return true;
  });
}

test('attachMedia hands the workflow this worker’s own queue', async () => {
  const { attached } = await call();
  assert.deepEqual(attached, { taskQueue: 'media-worker-a', workerId: 'worker-a' });
});

test('attachMedia returns only once the caller hears the agent (the first prompt is heard from its start), or after HEARD_WAIT_MS without', async () => {
  for (const heard of [true, false]) {
    const session = new FakeMediaSession({ tts: new FakeTts(), stt: new FakeStt() });
    const waits: number[] = [];
    let hear: (heard: boolean) => void = () => {};
    Object.assign(session, {
      waitUntilHeard: (timeoutMs: number) => {
        waits.push(timeoutMs);
        return new Promise<boolean>((resolve) => (hear = resolve));
      },
    });
    let attached = false;
    const pending = call({ session }).then((result) => ((attached = true), result));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(attached, false, 'not attached while the caller cannot hear the agent');
    assert.deepEqual(waits, [HEARD_WAIT_MS]);
    hear(heard); // the session answers false once its wait is over
    const { attached: result } = await pending;
    assert.equal(result.workerId, 'worker-a');
    // The workflow records how soon the caller could hear the worker (the mediaAttached event).
    if (heard) assert.ok(typeof result.callerHeardAfterMs === 'number' && result.callerHeardAfterMs >= 40, `callerHeardAfterMs ${result.callerHeardAfterMs}`);
    else assert.equal(result.callerHeardAfterMs, undefined);
  }
});

test('an attach cancelled while it waits for the caller to hear it leaves the room and fails retryably', async () => {
  const session = new FakeMediaSession({ tts: new FakeTts(), stt: new FakeStt() });
  Object.assign(session, {
    // Ends when the attach's cancellation signal aborts, as the LiveKit session's does.
    waitUntilHeard: (_timeoutMs: number, signal?: AbortSignal) =>
      new Promise<boolean>((resolve) => signal?.addEventListener('abort', () => resolve(false), { once: true })),
  });
  const activities = createMediaActivities(workerDeps({ joinRoom: async () => session, heartbeatIntervalMs: 20 }));
  const env = mockEnv();
  const attaching = runIn(env, activities.attachMedia, { callId, roomName: 'room-1', waitForCallerMs: 1_000 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  env.cancel(); // the workflow gave up on this attempt (its heartbeat timed out)
  await rejectsWithFailure(attaching, 'JoinCancelled', false);
  assert.equal(session.ended, true, 'the session left the room');
});

test('say plays the whole prompt in the call’s voice', async () => {
  const { session, tts, activities, run } = await call({ attach: { voice: { voice: 'en-gb', language: 'en-GB' } } });
  const result = await run(activities.say, { callId, nodeId, text: 'Welcome to Acme', interruptible: false });
  assert.deepEqual(result, { interrupted: false, playedMs: spokenMs('Welcome to Acme') });
  assert.deepEqual(session.played.map((p) => p.text), ['Welcome to Acme']);
  assert.deepEqual(tts.requests, [{ text: 'Welcome to Acme', voice: 'en-gb', language: 'en-GB' }]);
});

test('an interruptible say stops at a key, and the key answers the next menu at once', async () => {
  const { session, activities, run } = await call();
  const text = 'Please listen carefully, as our options have changed';
  const saying = run(activities.say, { callId, nodeId, text, interruptible: true });
  await session.playing();
  session.press('3');
  const said = await saying;
  assert.equal(said.interrupted, true);
  assert.ok(said.playedMs < spokenMs(text), `stopped early (${said.playedMs} ms of ${spokenMs(text)} played)`);

  const menu = await run(activities.menu, { callId, nodeId: 'menu', prompt: 'Press 1 for sales', timeoutMs: 5_000, interruptible: true });
  assert.deepEqual(menu, { interrupted: true, interruptedBy: 'digit', playedMs: 0, digit: '3' });
});

test('a say that is not interruptible plays to the end over a key, which stays buffered', async () => {
  const { session, activities, run } = await call();
  const saying = run(activities.say, { callId, nodeId, text: 'Calls are recorded', interruptible: false });
  await session.playing();
  session.press('9');
  assert.deepEqual(await saying, { interrupted: false, playedMs: spokenMs('Calls are recorded') });
  const menu = await run(activities.menu, { callId, nodeId: 'menu', prompt: 'Press 1', timeoutMs: 5_000, interruptible: false });
  assert.equal(menu.digit, '9');
  assert.equal(menu.interrupted, false);
});

test('menu: the caller hears the prompt, presses 2, and the next prompt closes a digit turn', async () => {
  const { session, activities, run, turns } = await call();
  const prompt = 'Press 1 for sales, 2 for support';
  const choosing = run(activities.menu, { callId, nodeId, prompt, timeoutMs: 5_000, interruptible: true });
  assert.equal(await session.waiting(), 'digit');
  session.press('2');
  const menu = await choosing;
  assert.deepEqual(menu, { interrupted: false, playedMs: spokenMs(prompt), digit: '2' });
  assert.equal(turns.length, 0, 'no turn until the next prompt plays');
  await run(activities.say, { callId, nodeId: 'support', text: 'Support', interruptible: false });
  assert.deepEqual(turns.map((t) => t.input), ['digit']);
  assert.ok(turns[0]!.latencyMs >= 0);
});

test('menu: no key within the timeout answers null, and the retry takes the key pressed then', async () => {
  const { session, activities, run } = await call();
  const input = { callId, nodeId, prompt: 'Press 1', timeoutMs: 50, interruptible: true };
  const first = await run(activities.menu, input);
  assert.equal(first.digit, null);
  const retry = run(activities.menu, input);
  await session.waiting();
  session.press('1');
  assert.equal((await retry).digit, '1');
  assert.deepEqual(session.played.map((p) => p.text), ['Press 1', 'Press 1']);
});

test('menu with speech: a spoken option is recognized among the menu’s phrases', async () => {
  const { session, stt, activities, run, turns } = await call({ attach: { voice: { language: 'en-GB' } } });
  const choosing = run(activities.menu, {
    callId,
    nodeId,
    prompt: 'Say sales or support',
    timeoutMs: 5_000,
    interruptible: true,
    speech: { phrases: ['sales', 'support'] },
  });
  assert.equal(await session.waiting(), 'speech');
  assert.equal(session.speak('Support'), true);
  const menu = await choosing;
  assert.deepEqual(menu, { interrupted: false, playedMs: spokenMs('Say sales or support'), digit: null, transcript: 'support' });
  assert.deepEqual(stt.streams.map((s) => ({ grammar: s.grammar, language: s.language })), [{ grammar: ['sales', 'support'], language: 'en-GB' }]);
  await run(activities.say, { callId, nodeId: 'next', text: 'One moment', interruptible: false });
  assert.deepEqual(turns.map((t) => t.input), ['speech']);
});

test('menu with speech: talking over the prompt stops it, and what was said is the answer', async () => {
  const { session, activities, run } = await call();
  const choosing = run(activities.menu, {
    callId,
    nodeId,
    prompt: 'For sales say sales, for support say support, for anything else stay on the line',
    timeoutMs: 5_000,
    interruptible: true,
    speech: { phrases: ['sales', 'support'] },
  });
  await session.playing();
  session.speak('sales');
  const menu = await choosing;
  assert.equal(menu.interrupted, true);
  assert.equal(menu.transcript, 'sales');
  assert.equal(session.played[0]?.interruptedBy, 'speech');
});

test('menu with speech: an unsure recognition is a no-match (empty), a key still wins', async () => {
  const unsure = new FakeMediaSession({ stt: new FakeStt({ confidence: 0.2 }) });
  const { session, activities, run } = await call({ session: unsure });
  const input = { callId, nodeId, prompt: 'Sales or support?', timeoutMs: 5_000, interruptible: true, speech: { phrases: ['sales', 'support'] } };
  const first = run(activities.menu, input);
  await session.waiting();
  session.speak('sales');
  assert.equal((await first).transcript, '');
  const second = run(activities.menu, input);
  await session.waiting();
  session.press('2');
  assert.deepEqual(await second, { interrupted: false, playedMs: spokenMs(input.prompt), digit: '2' });
});

test('listen: the caller’s words come back as the transcript, redacted when asked', async () => {
  const { session, stt, activities, run } = await call();
  const listening = run(activities.listen, {
    callId,
    nodeId,
    prompt: 'How can I help?',
    noSpeechTimeoutMs: 5_000,
    endSilenceMs: 700,
    maxDurationMs: 10_000,
    hints: ['invoice'],
    redact: true,
  });
  assert.equal(await session.waiting(), 'speech');
  session.speak('my card is 4111 1111 1111 1111');
  const heard = await listening;
  assert.equal(heard.confidence, 0.9);
  assert.ok(heard.transcript?.startsWith('my card is '), heard.transcript ?? 'null');
  assert.doesNotMatch(heard.transcript ?? '', /4111/);
  assert.deepEqual(stt.streams[0]?.hints, ['invoice']);
  assert.equal(stt.streams[0]?.grammar, undefined);
});

test('listen: no speech within the timeout is a null transcript; a cough does not end the turn', async () => {
  const { session, activities, run } = await call();
  const input = { callId, nodeId, noSpeechTimeoutMs: 150, endSilenceMs: 700, maxDurationMs: 10_000, hints: [] };
  const silent = await run(activities.listen, input);
  assert.deepEqual(silent, { transcript: null, confidence: 0 });

  const listening = run(activities.listen, { ...input, noSpeechTimeoutMs: 5_000 });
  await session.waiting();
  session.speak(''); // speech the recognizer makes nothing of
  await session.waiting();
  session.speak('yes');
  assert.deepEqual(await listening, { transcript: 'yes', confidence: 0.9 });
});

test('listen: a key instead of speech comes back as the digit', async () => {
  const { session, activities, run } = await call();
  const listening = run(activities.listen, { callId, nodeId, noSpeechTimeoutMs: 5_000, endSilenceMs: 700, maxDurationMs: 10_000, hints: [] });
  await session.waiting();
  session.press('#');
  assert.deepEqual(await listening, { transcript: null, confidence: 0, digit: '#' });
});

test('listen: a recognizer that fails fails the activity with its error', async () => {
  const down = new ProviderError('fake-stt', 'server', 'HTTP 503');
  const { session, activities, run } = await call({ session: new FakeMediaSession({ stt: new FakeStt({ failWith: down }) }) });
  const listening = run(activities.listen, { callId, nodeId, noSpeechTimeoutMs: 5_000, endSilenceMs: 700, maxDurationMs: 10_000, hints: [] });
  await session.waiting();
  session.speak('hello');
  await assert.rejects(listening, down);
});

test('recordVoicemail: prompt, beep, the message until the finish key, stored as WAV', async () => {
  const stored = new Map<string, Uint8Array>();
  const blobs: BlobStore = { ...noBlobs, put: async (key, data) => void stored.set(key, data) };
  const { session, activities, run } = await call({ deps: { blobs } });
  const recording = run(activities.recordVoicemail, { callId, nodeId, prompt: 'Leave a message after the tone', beep: true, maxDurationMs: 10_000, finishKey: '#', silenceTimeoutMs: 3_000 });
  assert.equal(await session.waiting(), 'recording');
  const message = 'Hi, this is Sam, please call me back about the invoice';
  session.speak(message);
  session.press('#');
  const result = await recording;
  assert.equal(result.endedBy, 'key');
  assert.equal(result.durationMs, spokenMs(message));
  assert.deepEqual([...stored.keys()], [`recordings/${result.recordingId}.wav`]);
  assert.deepEqual(session.played.map((p) => p.text), ['Leave a message after the tone', '']);

  // Nothing said: silence ends it, and there is no recording.
  const silent = await run(activities.recordVoicemail, { callId, nodeId, prompt: 'Leave a message', beep: false, maxDurationMs: 10_000, finishKey: '#', silenceTimeoutMs: 100 });
  assert.deepEqual(silent, { recordingId: null, durationMs: 0, endedBy: 'silence' });
  assert.equal(stored.size, 1);
});

test('hangup says the farewell, ends the call without reporting a hang-up, and forgets the session', async () => {
  const { session, activities, run, hangUpSignals } = await call();
  await run(activities.hangup, { callId, nodeId, farewell: 'Goodbye' });
  assert.deepEqual(session.played.map((p) => [p.text, p.interrupted]), [['Goodbye', false]]);
  assert.equal(session.hungUp, true);
  assert.deepEqual(hangUpSignals, []);
  await rejectsWithFailure(run(activities.say, { callId, nodeId, text: 'Still there?', interruptible: false }), 'MediaSessionMissing', true);
  // Hanging up twice (a retried activity) does nothing.
  await run(activities.hangup, { callId, nodeId });
});

test('a call this worker has no session for fails MediaSessionMissing, not retried here', async () => {
  const { activities, run } = await call();
  await rejectsWithFailure(run(activities.say, { callId: 'call-elsewhere', nodeId, text: 'Hello', interruptible: false }), 'MediaSessionMissing', true);
  await rejectsWithFailure(run(activities.menu, { callId: 'call-elsewhere', nodeId, prompt: 'Press 1', timeoutMs: 100, interruptible: true }), 'MediaSessionMissing', true);
});

test('the caller hanging up mid-prompt fails the activity CallerHungUp and signals the workflow', async () => {
  const { session, activities, run, hangUpSignals } = await call();
  const saying = run(activities.say, { callId, nodeId, text: 'Your call is important to us', interruptible: false });
  await session.playing();
  session.hangUp();
  await rejectsWithFailure(saying, 'CallerHungUp', true);
  assert.deepEqual(hangUpSignals, [callId]);
  assert.equal(session.ended, true);
});

test('a worker that lost the room stops the node, sends no hang-up, and no longer has the call', async () => {
  const { session, activities, run, hangUpSignals } = await call();
  const saying = run(activities.say, { callId, nodeId, text: 'Please hold while we connect you', interruptible: false });
  await session.playing();
  session.loseRoom();
  await assert.rejects(saying, (error: unknown) => error instanceof MediaSessionEndedError && error.reason === 'closed');
  assert.deepEqual(hangUpSignals, []);
  await rejectsWithFailure(run(activities.say, { callId, nodeId, text: 'Hello?', interruptible: false }), 'MediaSessionMissing', true);
});

test('a worker declared lost turns the call down for a few attempts, then takes it back with a new session', async () => {
  const sessions: FakeMediaSession[] = [];
  const activities = createMediaActivities(
    workerDeps({
      joinRoom: async () => {
        sessions.push(new FakeMediaSession());
        return sessions.at(-1) as FakeMediaSession;
      },
    }),
  );
  const input: AttachMediaInput = { callId, roomName: 'room-1', waitForCallerMs: 1_000, avoidWorkers: ['worker-a'] };
  await rejectsWithFailure(runIn(mockEnv({ attempt: 1 }), activities.attachMedia, input), 'WorkerAvoided', false);
  const taken = await runIn(mockEnv({ attempt: 6 }), activities.attachMedia, input);
  assert.equal(taken.taskQueue, 'media-worker-a');
  assert.equal(sessions.length, 1);
});

test('attachMedia refuses new calls while draining and fails a stalled join retryably', async () => {
  const draining = createMediaActivities(workerDeps({ joinRoom: async () => new FakeMediaSession(), acceptingCalls: () => false }));
  const input: AttachMediaInput = { callId, roomName: 'room-1', waitForCallerMs: 1_000 };
  await rejectsWithFailure(runIn(mockEnv(), draining.attachMedia, input), 'WorkerDraining', false);

  const late = new FakeMediaSession();
  let joined!: (session: FakeMediaSession) => void;
  const stalled = createMediaActivities(workerDeps({ joinRoom: () => new Promise((resolve) => (joined = resolve)), joinTimeoutMs: 50 }));
  await rejectsWithFailure(runIn(mockEnv(), stalled.attachMedia, input), 'JoinTimedOut', false);
  joined(late);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(late.ended, true, 'a session that connects after the deadline is closed');
});

test('a caller who never joins ends the attach CallerNeverJoined', async () => {
  const empty = new FakeMediaSession({ callerPresent: false });
  await rejectsWithFailure(call({ session: empty, attach: { waitForCallerMs: 60 } }), 'CallerNeverJoined', true);
  assert.equal(empty.ended, true);
});

test('a preferred speech provider that is down falls back, and the result reports the fallback', async () => {
  const down = new FakeTts({ label: 'down-tts', failWith: new ProviderError('down-tts', 'auth', 'HTTP 401') });
  const working = new FakeTts();
  const { activities, run, session } = await call({
    deps: {
      providers: {
        tts: (preferred, onEvent) => new FallbackTts(preferred === 'down' ? [down, working] : [working], { onEvent, sticky: true }),
        stt: () => new FakeStt(),
      },
    },
    attach: { voice: { ttsProvider: 'down' } },
  });
  const first = await run(activities.say, { callId, nodeId, text: 'Hello', interruptible: false });
  assert.deepEqual(first.providerEvents, [{ kind: 'tts', from: 'down-tts', to: 'fake-tts', reason: 'HTTP 401' }]);
  assert.equal(first.playedMs, spokenMs('Hello'));
  // Reported once: the call's chain keeps the provider that took over.
  const second = await run(activities.say, { callId, nodeId, text: 'Again', interruptible: false });
  assert.equal(second.providerEvents, undefined);
  assert.deepEqual(down.requests.map((r) => r.text), ['Hello']);
  assert.deepEqual(working.requests.map((r) => r.text), ['Hello', 'Again']);
  assert.equal(session.played.length, 2);
});

test('heartbeats report how much of the node the caller has heard', async () => {
  const { activities, run, heartbeats } = await call();
  heartbeats.length = 0;
  await run(activities.say, { callId, nodeId, text: 'This prompt lasts a little while', interruptible: false });
  const heard = heartbeats.filter((d): d is { audioMs: number } => typeof (d as { audioMs?: number } | undefined)?.audioMs === 'number');
  assert.ok(heard.length > 0, 'heartbeats carry audioMs once audio plays');
  assert.ok(heard.every((d, i) => i === 0 || d.audioMs >= (heard[i - 1] as { audioMs: number }).audioMs));
});
