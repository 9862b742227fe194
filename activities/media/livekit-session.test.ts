// test-runner: serial (asserts wall-clock timings: how soon audio stops or a turn ends)
/**
 * Media session against a real LiveKit server (started here on free loopback ports) with a virtual
 * caller on the other end. Needs the livekit-server binary (see findLiveKitServer) and espeak-ng.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AudioFrame, AudioSource, dispose, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import wavefile from 'wavefile';
import { runVirtualCaller, type CallerStep, type VirtualCallerEvent } from '../../tools/caller/virtual-caller.js';
import { EspeakTts } from './espeak-tts.js';
import { createJoinToken, httpUrlFromWsUrl, joinRoom, MediaSessionEndedError } from './livekit-session.js';
import { PocketsphinxStt } from './stt/pocketsphinx-stt.js';
import { concat, loudSpan as speechSpan, noiseEvent, silence, speechFixture } from './stt/speech-fixtures.js';
import type { MediaSession } from './types.js';
import { DtmfDetector, dtmfSequence, type DtmfDigit } from './dtmf/index.js';
import { SileroVad } from './vad/silero-vad.js';

// --- a small local LiveKit server helper (to be replaced by scripts/lib/services.mjs) ---

interface LiveKitServer {
  url: string;
  apiKey: string;
  apiSecret: string;
  stop(): Promise<void>;
}

function findLiveKitServer(): string {
  if (process.env.LIVEKIT_SERVER_BIN) return process.env.LIVEKIT_SERVER_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'livekit-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  const tools = join(homedir(), '.cache/switchboard/tools');
  for (const candidate of [
    join(tools, 'livekit-server-v1.13.5/livekit-server'),
    join(tools, 'livekit-server-v1.13.5.tmp/server'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('livekit-server not found: set LIVEKIT_SERVER_BIN or run npm run install-tools');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startLiveKit(): Promise<LiveKitServer> {
  const [port, tcpPort, udpPort] = [await freePort(), await freePort(), await freePort()];
  const config = [
    `port: ${port}`,
    `rtc: { tcp_port: ${tcpPort}, udp_port: ${udpPort}, use_external_ip: false }`,
    'keys: { devkey: secret }',
    'logging: { level: warn }',
  ].join('\n');
  const child: ChildProcess = spawn(
    findLiveKitServer(),
    ['--dev', '--bind', '127.0.0.1', '--node-ip', '127.0.0.1', '--config-body', config],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`livekit-server exited early: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`livekit-server did not answer on port ${port}: ${stderr}`);
    }
    await sleep(100);
  }
  return { url: `ws://127.0.0.1:${port}`, apiKey: 'devkey', apiSecret: 'secret', stop };
}

// --- helpers ---

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Milliseconds from the first to the last 10 ms frame at or above `threshold` RMS, and where it starts. */
function loudSpan(samples: Int16Array, sampleRate: number, threshold = 300): { startMs: number; spanMs: number } {
  const frame = Math.round(sampleRate / 100);
  let first = -1;
  let last = -1;
  for (let i = 0, n = 0; i + frame <= samples.length; i += frame, n++) {
    let squares = 0;
    for (let j = i; j < i + frame; j++) squares += (samples[j] ?? 0) ** 2;
    if (Math.sqrt(squares / frame) >= threshold) {
      if (first < 0) first = n;
      last = n;
    }
  }
  return first < 0 ? { startMs: 0, spanMs: 0 } : { startMs: first * 10, spanMs: (last - first + 1) * 10 };
}

function roomName(test: string): string {
  return `test-${test}-${randomBytes(3).toString('hex')}`;
}

let server: LiveKitServer;
let workDir: string;
const tts = new EspeakTts();
const stt = new PocketsphinxStt();
let vad: SileroVad;

before(async () => {
  server = await startLiveKit();
  workDir = await mkdtemp(join(tmpdir(), 'livekit-session-test-'));
  vad = await SileroVad.load();
});

after(async () => {
  stt.close();
  await vad?.close();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  await dispose();
});

function connection(room: string) {
  return { url: server.url, apiKey: server.apiKey, apiSecret: server.apiSecret, roomName: room };
}

/** Starts a virtual caller and resolves once it hears the agent's track, so no audio is missed. */
async function startCaller(room: string, script: CallerStep[], extra: { recordPath?: string; maxDurationMs?: number } = {}) {
  const events: VirtualCallerEvent[] = [];
  const done = runVirtualCaller({
    ...connection(room),
    script,
    maxDurationMs: extra.maxDurationMs ?? 30_000,
    recordPath: extra.recordPath,
    onEvent: (e) => { events.push(e); if (process.env.DEBUG_CALLER) console.log(JSON.stringify(e)); },
  });
  done.catch(() => {});
  await waitFor('audio from the agent to reach the caller', () => events.some((e) => e.type === 'agentAudio'));
  return { done, events };
}

async function joinAgent(room: string, t: TestContext): Promise<MediaSession> {
  const session = await joinRoom({ ...connection(room), identity: `agent-${t.name.slice(0, 8).replace(/\W/g, '')}`, tts, stt, vad });
  t.after(() => session.close());
  return session;
}

// --- tests ---

test('the caller hears a sentence the agent says, of plausible length and energy', async (t) => {
  const room = roomName('say');
  const agent = await joinAgent(room, t);
  const recordPath = join(workDir, `${room}.wav`);
  const caller = await startCaller(room, [{ waitForPrompt: true }, { waitMs: 200 }, { hangup: true }], { recordPath });
  await waitFor('the caller to be present', () => agent.callerPresent);
  let callerLeft = 0;
  agent.onCallerLeft(() => callerLeft++);

  const text = 'Thank you for calling Switchboard. How can we help you today?';
  const synthesized = await tts.synthesize(text);
  const speech = loudSpan(synthesized.samples, synthesized.sampleRate);
  const speechMs = speech.spanMs;
  let progressCalls = 0;
  const started = performance.now();
  const startedAt = Date.now();
  const said = await agent.say(text, {
    interruptible: false,
    onProgress: () => progressCalls++,
  });
  const sayMs = performance.now() - started;
  const result = await caller.done;

  t.diagnostic(`say: playedMs=${said.playedMs} wall=${Math.round(sayMs)} progress=${progressCalls}`);
  t.diagnostic(`heard: ${JSON.stringify(result.prompts)}; speech in the synthesized audio: ${speechMs} ms`);
  const firstHeardAt = result.joinedAt + (result.prompts[0]?.startMs ?? NaN);
  t.diagnostic(`say() called -> caller hears speech: ${firstHeardAt - startedAt} ms (incl. synthesis and ${speech.startMs} ms leading silence)`);
  assert.equal(said.interrupted, false);
  assert.ok(said.playedMs > 2_000 && said.playedMs < 8_000, `playedMs ${said.playedMs}`);
  assert.ok(sayMs >= said.playedMs - 50, 'say() resolves only after the audio has played out');
  assert.ok(progressCalls >= Math.floor(said.playedMs / 500), `onProgress called ${progressCalls} times`);

  assert.equal(result.prompts.length, 1, 'one continuous prompt heard');
  const [prompt] = result.prompts;
  assert.ok(prompt && prompt.endMs !== null);
  const heardMs = prompt.endMs - prompt.startMs;
  // espeak-ng pads with silence, so compare with the loud part of what was synthesized.
  assert.ok(Math.abs(heardMs - speechMs) < 250, `heard ${heardMs} ms of ${speechMs} ms speech`);
  assert.ok(prompt.rms > 800, `rms ${prompt.rms}`);
  assert.equal(result.endReason, 'callerHungUp');
  assert.equal(result.hungUpByAgent, false);

  const wav = new wavefile.WaveFile(await readFile(recordPath));
  const wavMs = (wav.getSamples(false, Int16Array).length / (wav.fmt as { sampleRate: number }).sampleRate) * 1000;
  assert.ok(wavMs >= prompt.endMs, `recording is ${wavMs} ms`);

  await waitFor('onCallerLeft', () => callerLeft === 1);
  assert.equal(agent.callerPresent, false);
  await assert.rejects(agent.say('Anyone there?', { interruptible: false }), MediaSessionEndedError);
});

test('waitUntilHeard: false while nobody listens; once the caller has subscribed, a prompt said at once is heard from its start', async (t) => {
  const room = roomName('heard');
  const agent = await joinAgent(room, t);
  assert.ok(agent.waitUntilHeard);
  assert.equal(await agent.waitUntilHeard(300), false, 'nobody in the room hears the agent');
  const abortedFrom = performance.now();
  assert.equal(await agent.waitUntilHeard(10_000, AbortSignal.timeout(200)), false, 'an aborted wait gives up');
  assert.ok(performance.now() - abortedFrom < 5_000, 'the aborted wait ended with its signal, not its timeout');
  // A participant that subscribes to nothing does not hear the agent either.
  const deaf = await SpeakingCaller.join(room);
  t.after(() => deaf.hangup());
  await waitFor('the participant to be present', () => agent.callerPresent);
  assert.equal(await agent.waitUntilHeard(500), false, 'a participant that does not subscribe hears nothing');

  // The caller: no waiting here for its first audio (startCaller does): the agent waits itself.
  const caller = runVirtualCaller({ ...connection(room), script: [{ waitForPrompt: true }, { hangup: true }], maxDurationMs: 30_000 });
  caller.catch(() => {});
  const waitedFrom = performance.now();
  assert.equal(await agent.waitUntilHeard(10_000), true);
  t.diagnostic(`the caller subscribed ${Math.round(performance.now() - waitedFrom)} ms after the wait began`);
  const text = 'Thank you for calling Switchboard.';
  const synthesized = await tts.synthesize(text);
  const speechMs = loudSpan(synthesized.samples, synthesized.sampleRate).spanMs;
  await agent.say(text, { interruptible: false });
  const result = await caller;
  const [prompt] = result.prompts;
  assert.ok(prompt && prompt.endMs !== null, 'the caller heard the prompt');
  const heardMs = prompt.endMs - prompt.startMs;
  t.diagnostic(`heard ${heardMs} ms of ${speechMs} ms speech`);
  assert.ok(Math.abs(heardMs - speechMs) < 250, `heard ${heardMs} ms of ${speechMs} ms speech: its start was cut`);
});

test('a key pressed during an interruptible prompt stops it; digits come back in order, once each', async (t) => {
  const room = roomName('bargein');
  const agent = await joinAgent(room, t);
  const caller = await startCaller(room, [
    { press: '12', after: 'promptStart', delayMs: 1_000, gapMs: 150 },
    { waitMs: 1_000 },
    { press: '#' },
  ]);
  await waitFor('the caller to be present', () => agent.callerPresent);

  const text = 'Please listen carefully, as our menu options have changed. ' +
    'For sales, press one. For support, press two. For billing, press three. To hear these options again, press star.';
  const full = await tts.synthesize(text);
  const fullMs = (full.samples.length / full.sampleRate) * 1000;

  const said = await agent.say(text, { interruptible: true });
  const stoppedAt = Date.now();
  t.diagnostic(`say: ${JSON.stringify(said)} of ${Math.round(fullMs)} ms`);
  assert.equal(said.interrupted, true);
  assert.ok(said.playedMs > 700 && said.playedMs < 2_500, `playedMs ${said.playedMs}`);

  // Type-ahead: with a key buffered, an interruptible prompt is skipped.
  assert.deepEqual(await agent.say('For sales, press one.', { interruptible: true }), { interrupted: true, interruptedBy: 'digit', playedMs: 0 });

  assert.equal(await agent.nextDigit(2_000), '1');
  assert.equal(await agent.nextDigit(2_000), '2');
  const waitStarted = Date.now();
  assert.equal(await agent.nextDigit(5_000), '#');
  const hashReceivedAt = Date.now();
  assert.equal(await agent.nextDigit(300), null, 'each digit is returned once');

  await agent.hangup();
  const result = await caller.done;
  assert.equal(result.hungUpByAgent, true);

  const [first, , hash] = result.presses;
  assert.ok(first && hash);
  const firstPressAt = result.joinedAt + first.atMs;
  const hashPressAt = result.joinedAt + hash.atMs;
  t.diagnostic(`presses: ${JSON.stringify(result.presses)}; prompts: ${JSON.stringify(result.prompts)}`);
  t.diagnostic(`digit -> say() resolved: ${stoppedAt - firstPressAt} ms`);
  t.diagnostic(`digit -> caller hears silence: ${first.digitToSilenceMs} ms`);
  t.diagnostic(`publishDtmf -> nextDigit resolved: ${hashReceivedAt - hashPressAt} ms`);
  assert.ok(hashPressAt >= waitStarted - 5, 'the # was pressed while nextDigit waited');
  assert.ok(stoppedAt - firstPressAt < 500, `stop took ${stoppedAt - firstPressAt} ms`);
  assert.ok(first.digitToSilenceMs !== null && first.digitToSilenceMs < 600, `caller heard audio ${first.digitToSilenceMs} ms after the key`);
});

test('hangup() removes the caller, whose call then ends as hung up by the agent', async (t) => {
  const room = roomName('hangup');
  const agent = await joinAgent(room, t);
  const caller = await startCaller(room, []);
  await waitFor('the caller to be present', () => agent.callerPresent);
  let callerLeft = 0;
  agent.onCallerLeft(() => callerLeft++);

  const pendingDigit = assert.rejects(agent.nextDigit(10_000), MediaSessionEndedError);
  const hungUpAt = Date.now();
  await agent.hangup();
  const result = await caller.done;
  t.diagnostic(`hangup -> caller disconnected: ${result.joinedAt + result.durationMs - hungUpAt} ms`);

  assert.equal(result.hungUpByAgent, true);
  assert.equal(result.endReason, 'agentHungUp');
  assert.equal(result.disconnectReason, 'PARTICIPANT_REMOVED');
  await pendingDigit;
  assert.equal(callerLeft, 0, 'an agent hang-up is not reported as the caller leaving');
  await agent.close();
  await agent.close();
  await agent.hangup();
});

test('aborting say() stops playback and rejects with the abort reason', async (t) => {
  const room = roomName('abort');
  const agent = await joinAgent(room, t);
  const caller = await startCaller(room, [], { maxDurationMs: 15_000 });
  await waitFor('the caller to be present', () => agent.callerPresent);

  const controller = new AbortController();
  const reason = new Error('activity cancelled');
  setTimeout(() => controller.abort(reason), 1_000);
  const started = Date.now();
  await assert.rejects(
    agent.say('This is a rather long announcement that nobody will hear to its end, because it is cancelled.', {
      interruptible: false,
      signal: controller.signal,
    }),
    (err) => err === reason,
  );
  assert.ok(Date.now() - started < 1_500);

  await agent.hangup();
  const result = await caller.done;
  const [prompt] = result.prompts;
  assert.ok(prompt?.endMs != null && prompt.endMs - prompt.startMs < 1_500, `heard ${JSON.stringify(prompt)}`);
});

test('a worker too busy to feed a prompt reports the gap the caller hears, and only then', async (t) => {
  const room = roomName('gap');
  const gaps: number[] = [];
  const agent = await joinRoom({ ...connection(room), identity: 'agent-gap', tts, onPlaybackGap: (ms) => gaps.push(ms) });
  t.after(() => agent.close());
  const caller = await startCaller(room, [], { maxDurationMs: 15_000 });
  await waitFor('the caller to be present', () => agent.callerPresent);

  // A silent, uninterrupted stretch: any gap reported here would be a false alarm.
  const samples = new Int16Array(16_000);
  await agent.playAudio({ samples, sampleRate: 16_000 }, { interruptible: false });
  const quiet = gaps.length;

  // The event loop blocked for 400 ms in the middle of a prompt: the 200 ms the source holds run out.
  await agent.playAudio({ samples: new Int16Array(32_000), sampleRate: 16_000 }, {
    interruptible: false,
    onPlaybackStart: () => {
      setTimeout(() => {
        const until = performance.now() + 400;
        while (performance.now() < until);
      }, 300);
    },
  });
  const blocked = gaps.slice(quiet);
  assert.equal(blocked.length, 1, `gaps reported: ${JSON.stringify(gaps)}`);
  const [gap] = blocked;
  assert.ok(gap !== undefined && gap > 100 && gap < 400, `a 400 ms stall with 200 ms queued leaves a gap of about 200 ms; got ${gap}`);
  assert.ok(quiet === 0 || Math.max(...gaps.slice(0, quiet)) < 100, `gaps while the worker was idle: ${JSON.stringify(gaps.slice(0, quiet))}`);

  await agent.hangup();
  await caller.done;
});

test('the room going away ends the session and counts as the caller leaving', async (t) => {
  const room = roomName('deleted');
  const agent = await joinAgent(room, t);
  const caller = await startCaller(room, []);
  await waitFor('the caller to be present', () => agent.callerPresent);
  let callerLeft = 0;
  agent.onCallerLeft(() => callerLeft++);
  const pendingDigit = assert.rejects(agent.nextDigit(10_000), MediaSessionEndedError);

  await new RoomServiceClient(httpUrlFromWsUrl(server.url), server.apiKey, server.apiSecret).deleteRoom(room);
  await pendingDigit;
  const result = await caller.done;

  assert.equal(callerLeft, 1);
  assert.equal(agent.callerPresent, false);
  assert.equal(result.disconnectReason, 'ROOM_DELETED');
  await agent.close();
});

// --- listening: a caller who speaks ---

/**
 * A caller that publishes a microphone track and keeps it sending, silence between utterances, as
 * a phone does; `say()` plays 16 kHz audio into it in real time.
 */
class SpeakingCaller {
  private readonly room = new Room();
  private readonly source = new AudioSource(16_000, 1, 100);
  private track: LocalAudioTrack | undefined;
  private queue: Int16Array[] = [];
  private played: (() => void) | undefined;
  private closed = false;
  private pump: Promise<void> = Promise.resolve();

  static async join(room: string): Promise<SpeakingCaller> {
    const caller = new SpeakingCaller();
    const token = await createJoinToken({ ...connection(room), identity: `caller-${randomBytes(3).toString('hex')}` });
    await caller.room.connect(server.url, token, { autoSubscribe: false, dynacast: false });
    caller.track = LocalAudioTrack.createAudioTrack('caller-mic', caller.source);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    await caller.room.localParticipant?.publishTrack(caller.track, options);
    caller.pump = caller.run();
    return caller;
  }

  /** Plays the audio; resolves once it has been handed to the track. */
  say(samples: Int16Array): Promise<void> {
    const chunks: Int16Array[] = [];
    for (let at = 0; at < samples.length; at += 160) {
      const chunk = new Int16Array(160);
      chunk.set(samples.subarray(at, at + 160));
      chunks.push(chunk);
    }
    this.queue.push(...chunks);
    return new Promise((resolve) => (this.played = resolve));
  }

  async press(digit: string): Promise<void> {
    await this.room.localParticipant?.publishDtmf(digit === '#' ? 11 : digit === '*' ? 10 : Number(digit), digit);
  }

  async hangup(): Promise<void> {
    this.closed = true;
    await this.pump;
    await this.room.disconnect();
    await this.track?.close(true);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const chunk = this.queue.shift();
      if (!chunk && this.played) {
        this.played();
        this.played = undefined;
      }
      const data = chunk ?? new Int16Array(160);
      await this.source.captureFrame(new AudioFrame(data, 16_000, 1, 160));
    }
  }
}

async function joinSpeakingCaller(room: string, agent: MediaSession, t: TestContext): Promise<SpeakingCaller> {
  const caller = await SpeakingCaller.join(room);
  t.after(() => caller.hangup().catch(() => {}));
  await waitFor('the caller to be present', () => agent.callerPresent);
  await sleep(300); // the agent's subscription to the caller's track
  return caller;
}

const MENU = ['sales', 'support', 'billing', 'operator'];

test('listen() recognizes a menu choice spoken over phone audio, soon after it ends', async (t) => {
  const room = roomName('listen');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);
  const words = await speechFixture('support', { channel: 'phone', voice: 'en-us', padMs: 0 });
  const span = speechSpan(words);
  assert.ok(span);

  let progress = 0;
  const started = performance.now();
  const listening = agent.listen({ noSpeechTimeoutMs: 5_000, endSilenceMs: 600, maxDurationMs: 8_000, grammar: MENU, onProgress: () => progress++ });
  await sleep(500);
  const sayStarted = performance.now();
  await caller.say(words);
  const speechEndedAt = sayStarted + span.endMs;
  const result = await listening;
  const resultAt = performance.now();

  t.diagnostic(`listen: ${JSON.stringify(result)}; speech end → result ${Math.round(resultAt - speechEndedAt)} ms (endSilenceMs 600)`);
  assert.equal(result.transcript, 'support');
  assert.ok(result.confidence > 0);
  assert.equal(result.digit, undefined);
  assert.ok(result.speechStartMs !== undefined && Math.abs(result.speechStartMs - (sayStarted - started + span.startMs)) < 300, `speech start ${result.speechStartMs}`);
  // Ended by the end-of-turn silence, not by the 8 s limit (how soon is a benchmark figure: bench/speech.ts).
  assert.ok(resultAt - speechEndedAt < 4_000, `result ${Math.round(resultAt - speechEndedAt)} ms after the speech ended`);
  assert.ok(progress >= 2);
  assert.equal((agent as any).callerAudio.stream, undefined, 'the caller audio is no longer pulled');
});

test('caller speech stops a prompt that allows it, and the listen that follows hears all of it', async (t) => {
  const room = roomName('bargein-speech');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);
  const words = await speechFixture('support', { channel: 'phone', voice: 'en-us', padMs: 0 });
  const span = speechSpan(words);
  assert.ok(span);
  const prompt = 'For sales, say sales. For support, say support. For billing, say billing. For anything else, stay on the line.';

  // Without bargeInOnSpeech, talking over the prompt changes nothing.
  const plain = agent.say('Thanks for calling. Please hold on a moment.', { interruptible: true });
  await sleep(400);
  void caller.say(words);
  const heardOver = await plain;
  assert.equal(heardOver.interrupted, false);
  assert.ok(heardOver.playedMs > 1_500, `played ${heardOver.playedMs} ms`);
  await sleep(300);

  const started = performance.now();
  const saying = agent.say(prompt, { interruptible: true, bargeInOnSpeech: true });
  await sleep(1_200);
  const speechAt = performance.now() + span.startMs;
  void caller.say(words);
  const said = await saying;
  const stoppedAt = performance.now();
  t.diagnostic(`speech onset → say() resolved ${Math.round(stoppedAt - speechAt)} ms; played ${said.playedMs} ms`);
  assert.equal(said.interrupted, true);
  assert.equal(said.interruptedBy, 'speech');
  assert.ok(said.playedMs >= 1_000 && said.playedMs < stoppedAt - started, `played ${said.playedMs} ms`);
  assert.ok(stoppedAt - speechAt < 1_000, `stopped ${Math.round(stoppedAt - speechAt)} ms after the caller began`);

  // The listen starts after the word began; it still recognizes the whole word.
  const result = await agent.listen({ noSpeechTimeoutMs: 3_000, endSilenceMs: 600, maxDurationMs: 5_000, grammar: ['sales', 'support', 'billing'] });
  t.diagnostic(`listen: ${JSON.stringify(result)}`);
  assert.equal(result.transcript, 'support');
  assert.equal((agent as any).bargeInCapture, undefined, 'the capture was handed over');

  // A cough during the next prompt does not stop it.
  const cough = noiseEvent('cough', 3, 0);
  const next = agent.say('Sorry, one more time. Which department would you like?', { interruptible: true, bargeInOnSpeech: true });
  await sleep(500);
  void caller.say(cough);
  const after = await next;
  assert.equal(after.interrupted, false);
});

test('listen() gives null when the caller says nothing, and the digit when a key ends it', async (t) => {
  const room = roomName('listen-none');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);

  const started = Date.now();
  assert.deepEqual(await agent.listen({ noSpeechTimeoutMs: 1_000, endSilenceMs: 600, maxDurationMs: 5_000, grammar: MENU }), { transcript: null, confidence: 0 });
  const waited = Date.now() - started;
  assert.ok(waited >= 950 && waited < 1_500, `waited ${waited} ms`);

  const listening = agent.listen({ noSpeechTimeoutMs: 5_000, endSilenceMs: 600, maxDurationMs: 5_000, grammar: MENU });
  await sleep(300);
  await caller.press('3');
  assert.deepEqual(await listening, { transcript: null, confidence: 0, digit: '3' });
  assert.equal(await agent.nextDigit(100), null, 'the key was taken');

  // A key pressed before listening (type-ahead) answers at once.
  await caller.press('7');
  await waitFor('the key', () => (agent as any).keys.digits.length === 1);
  assert.deepEqual(await agent.listen({ noSpeechTimeoutMs: 5_000, endSilenceMs: 600, maxDurationMs: 5_000 }), { transcript: null, confidence: 0, digit: '7' });
});

test('listen() rejects when the caller hangs up, and on abort', async (t) => {
  const room = roomName('listen-hangup');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);

  const controller = new AbortController();
  const reason = new Error('cancelled');
  const aborted = agent.listen({ noSpeechTimeoutMs: 5_000, endSilenceMs: 600, maxDurationMs: 5_000, signal: controller.signal });
  setTimeout(() => controller.abort(reason), 200);
  await assert.rejects(aborted, (err) => err === reason);

  const listening = assert.rejects(agent.listen({ noSpeechTimeoutMs: 10_000, endSilenceMs: 600, maxDurationMs: 5_000, grammar: MENU }), MediaSessionEndedError);
  await sleep(200);
  await caller.hangup();
  await listening;
});

test('recordCaller() ends after the silence that follows the message, keeping the message', async (t) => {
  const room = roomName('record');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);
  const message = await speechFixture('Hi, it is Sam. Please call me back about the order.', { padMs: 0 });
  const span = speechSpan(message);
  assert.ok(span);

  const started = performance.now();
  const recording = agent.recordCaller({ maxDurationMs: 20_000, silenceTimeoutMs: 1_500 });
  await sleep(400);
  const sayStarted = performance.now();
  await caller.say(message);
  const result = await recording;
  const endedAfterSpeech = performance.now() - (sayStarted + span.endMs);

  t.diagnostic(`record: ${result.durationMs} ms, ${result.endedBy}; ended ${Math.round(endedAfterSpeech)} ms after the speech`);
  assert.equal(result.endedBy, 'silence');
  assert.equal(result.audio.sampleRate, 16_000);
  assert.equal(result.audio.samples.length, result.durationMs * 16);
  const speechEndInRecording = sayStarted - started + span.endMs;
  assert.ok(result.durationMs > speechEndInRecording - 200 && result.durationMs < speechEndInRecording + 800, `recorded ${result.durationMs} ms; speech ends at ${Math.round(speechEndInRecording)}`);
  assert.ok(endedAfterSpeech > 1_400 && endedAfterSpeech < 2_300, `ended ${endedAfterSpeech} ms after the speech`);
  const heard = speechSpan(result.audio.samples);
  assert.ok(heard && heard.endMs - heard.startMs > (span.endMs - span.startMs) * 0.8, 'the message is in the recording');
});

test('recordCaller() ends on the finish key, which is not buffered; other keys stay', async (t) => {
  const room = roomName('record-key');
  const agent = await joinAgent(room, t);
  const caller = await joinSpeakingCaller(room, agent, t);

  const recording = agent.recordCaller({ maxDurationMs: 20_000, silenceTimeoutMs: 5_000, finishKey: '#' });
  await sleep(200);
  await caller.say(concat(await speechFixture('Leave it at the door.', { padMs: 0 }), silence(300)));
  await caller.press('5');
  await sleep(200);
  await caller.press('#');
  const result = await recording;
  assert.equal(result.endedBy, 'key');
  assert.ok(result.durationMs > 1_000, `recorded ${result.durationMs} ms`);
  assert.equal(await agent.nextDigit(100), '5', 'a non-finish key stays buffered');
  assert.equal(await agent.nextDigit(100), null, 'the finish key is consumed');

  const byHangup = agent.recordCaller({ maxDurationMs: 20_000, silenceTimeoutMs: 5_000, finishKey: '#' });
  await sleep(300);
  await caller.hangup();
  assert.equal((await byHangup).endedBy, 'hangup');
});

// --- keys sent as tones in the audio (in-band DTMF) ---

test('a key sent as tones is heard; a key sent both as an event and as tones is heard once', async (t) => {
  const room = roomName('inband');
  const agent = await joinRoom({
    ...connection(room),
    identity: 'agent-inband',
    tts,
    stt,
    vad,
    createInbandDtmfDetector: (sampleRate) => new DtmfDetector({ sampleRate }),
  });
  t.after(() => agent.close());
  const caller = await joinSpeakingCaller(room, agent, t);
  const tones = (digits: string) => dtmfSequence([...digits] as DtmfDigit[], { sampleRate: 16_000, toneMs: 80, gapMs: 80 });

  // Tones only: the detector on the caller's audio hears them.
  await caller.say(tones('73'));
  assert.equal(await agent.nextDigit(3000), '7');
  assert.equal(await agent.nextDigit(3000), '3');

  // One press of 5 reported both ways: one digit.
  await Promise.all([caller.press('5'), caller.say(tones('5'))]);
  assert.equal(await agent.nextDigit(3000), '5');
  assert.equal(await agent.nextDigit(1000), null, 'the second report of the same press is dropped');

  // Two real presses of the same key, each reported both ways: two digits.
  for (let i = 0; i < 2; i++) {
    await Promise.all([caller.press('9'), caller.say(tones('9'))]);
    await sleep(200);
  }
  assert.equal(await agent.nextDigit(3000), '9');
  assert.equal(await agent.nextDigit(3000), '9');
  assert.equal(await agent.nextDigit(800), null);
});
