/**
 * A scripted stand-in for a phone caller: joins a call's LiveKit room like a SIP participant would,
 * records what the agent says, finds where each prompt starts and ends by energy, presses DTMF keys
 * on cue, and reports the timings. Used by tests and by the `npm run caller` CLI.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  DisconnectReason,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type RemoteParticipant,
  type RemoteTrack,
} from '@livekit/rtc-node';
import wavefile from 'wavefile';
import { AGENT_IDENTITY_PREFIX, createJoinToken } from '../../activities/media/livekit-session.js';
import { EspeakTts } from '../../activities/media/espeak-tts.js';
import { resample } from '../../activities/media/audio/index.js';

/** Rate of the caller's microphone track: wideband speech, as a phone sends at most. */
const MIC_SAMPLE_RATE = 16_000;
/**
 * Length of the frames the caller sends and receives: 20 ms, a phone's packet, so a process running
 * many callers (the capacity benchmark) handles half the frames it would at 10 ms.
 */
const FRAME_MS = 20;

/**
 * One step of a caller script; steps run in order.
 *
 * Prompts are counted in the order they are heard; a cursor marks the next prompt the script has not
 * yet waited for. `press` with `after: 'promptEnd'` and `waitForPrompt` move the cursor past the
 * prompt they waited for.
 */
/** How long joining the room may take before the caller gives up. */
const CONNECT_TIMEOUT_MS = 20_000;

export type CallerStep =
  | {
      /** Keys to press: '0'-'9', '*', '#'; several are pressed `gapMs` apart. */
      press: string;
      /**
       * When to press: `'promptEnd'` once a prompt has ended, `'promptStart'` once it has started
       * (barge-in), a number for that many ms after joining. Default: at once.
       */
      after?: 'promptEnd' | 'promptStart' | number;
      /** Prompt meant by `after` (0 = first heard); default the cursor's prompt. */
      promptIndex?: number;
      /** Extra wait after the cue. */
      delayMs?: number;
      /** Pause between keys of one `press`; default 150 ms. */
      gapMs?: number;
    }
  | {
      /** Wait until the cursor's prompt (or `promptIndex`) has been heard to its end. */
      waitForPrompt: true;
      promptIndex?: number;
    }
  | {
      /** Says this text into the call (espeak-ng), as a caller speaking into the phone. */
      say: string;
      /** When to start speaking; as for `press`. */
      after?: 'promptEnd' | 'promptStart' | number;
      promptIndex?: number;
      delayMs?: number;
      /** espeak-ng voice, e.g. `en-us`. */
      voice?: string;
    }
  | { /** Pause. */ waitMs: number }
  | { /** Leave the room: the caller hangs up. */ hangup: true };

/** Options of {@link runVirtualCaller}. */
export interface VirtualCallerOptions {
  /** ws:// URL of the LiveKit server. */
  url: string;
  apiKey: string;
  apiSecret: string;
  roomName: string;
  /** Default `caller-<random>`. Must not start with `agent-`. */
  identity?: string;
  /** Participant attributes, as a SIP participant would carry (`sip.phoneNumber`…). */
  attributes?: Record<string, string>;
  /** `sip`: LiveKit reports the caller as a SIP participant, as it does callers that LiveKit SIP brings in. */
  kind?: 'sip';
  script?: CallerStep[];
  /** Where to write everything heard, as a mono 16-bit WAV; none when omitted. */
  recordPath?: string;
  /** Rate of the received (and recorded) audio; default 16000. */
  sampleRate?: 16_000 | 48_000;
  /** The caller leaves after this long at the latest; default 60 000 ms. */
  maxDurationMs?: number;
  /** Frame RMS (16-bit scale) at or above which audio counts as speech; default 300. */
  energyThreshold?: number;
  /**
   * Silence that ends a prompt; default 500 ms. espeak-ng pauses 340–380 ms between sentences,
   * so a shorter hang-over splits one spoken prompt into several.
   */
  silenceHangoverMs?: number;
  /** Identity prefix of the agent whose audio is heard; default `agent-`. */
  agentIdentityPrefix?: string;
  /**
   * Publish a (silent) microphone track, as a SIP participant does; default true. LiveKit announces
   * subscriber-only participants to the room in batches every 3 s, so without a track the agent
   * notices the caller up to 3 s late.
   */
  publishAudio?: boolean;
  /** Aborting makes the caller hang up. */
  signal?: AbortSignal;
  /** Live notifications, e.g. for a CLI. */
  onEvent?: (event: VirtualCallerEvent) => void;
  /**
   * Receives every frame of the agent's audio as it arrives (at `sampleRate`), without the silence
   * the WAV recording pads in for delivery gaps: what the caller's jitter buffer handed over.
   * `loud`: the frame is at or over `energyThreshold` (the caller's own test for a prompt).
   */
  onAudio?: (samples: Int16Array, loud: boolean) => void;
}

/** Live notification of {@link runVirtualCaller}; `atMs` is ms since joining. */
export type VirtualCallerEvent =
  | { type: 'joined'; atMs: 0; identity: string }
  /** The first frame (often silence) of the agent's track arrived: media flows. */
  /** The caller subscribed to an agent's voice (a new worker's after a hand-over). */
  | { type: 'agentTrack'; atMs: number; agentIdentity: string }
  /** The first frame of that voice arrived (silent or not). */
  | { type: 'agentAudio'; atMs: number; agentIdentity: string }
  | { type: 'promptStarted'; atMs: number; index: number }
  | { type: 'promptEnded'; atMs: number; index: number; rms: number }
  | { type: 'pressed'; atMs: number; digit: string }
  | { type: 'spoke'; atMs: number; durationMs: number }
  | { type: 'left'; atMs: number; reason: VirtualCallerEndReason };

/** A stretch of agent speech. Times are ms since joining. */
export interface HeardPrompt {
  index: number;
  startMs: number;
  /** Time of the last loud frame; null only while the prompt is still playing. */
  endMs: number | null;
  /** RMS (16-bit scale) over the prompt, start to end. */
  rms: number;
}

/** One key press. Times are ms since joining. */
export interface CallerPress {
  digit: string;
  atMs: number;
  /** Press to the first speech that starts after it (the agent's answer); null if none came. */
  digitToNextPromptMs: number | null;
  /** When pressed during a prompt: press to that prompt's last loud frame (barge-in stop). */
  digitToSilenceMs: number | null;
}

/** How the virtual call ended. */
export type VirtualCallerEndReason = 'agentHungUp' | 'callerHungUp' | 'maxDuration' | 'aborted' | 'disconnected';

/** What {@link runVirtualCaller} heard and did. */
export interface VirtualCallerResult {
  roomName: string;
  identity: string;
  /** Epoch ms when the caller had joined; every other time is relative to this. */
  joinedAt: number;
  durationMs: number;
  prompts: HeardPrompt[];
  presses: CallerPress[];
  /** Steps of the script that ran to completion. */
  stepsCompleted: number;
  hungUpByAgent: boolean;
  endReason: VirtualCallerEndReason;
  /** LiveKit's disconnect reason when the server ended the caller's session. */
  disconnectReason: string | null;
  /** Path of the WAV written, or null. Sample 0 of the WAV is the moment of joining. */
  recordingPath: string | null;
  recordedMs: number;
  sampleRate: number;
}

const DTMF_CODES: Record<string, number> = { '*': 10, '#': 11 };

/** RFC 4733 event code of a DTMF key ('0'-'9' → 0-9, '*' → 10, '#' → 11). */
export function dtmfCode(digit: string): number {
  if (/^[0-9]$/.test(digit)) return Number(digit);
  const code = DTMF_CODES[digit];
  if (code === undefined) throw new Error(`not a DTMF key: ${JSON.stringify(digit)}`);
  return code;
}

/** Joins the room as a caller, runs the script, and resolves when the call is over. */
export async function runVirtualCaller(opts: VirtualCallerOptions): Promise<VirtualCallerResult> {
  const identity = opts.identity ?? `caller-${randomBytes(4).toString('hex')}`;
  if (identity.startsWith(AGENT_IDENTITY_PREFIX)) throw new Error(`caller identity must not start with ${AGENT_IDENTITY_PREFIX}`);
  for (const step of opts.script ?? []) if ('press' in step) for (const d of step.press) dtmfCode(d);

  const call = new VirtualCall(opts, identity);
  return call.run();
}

class VirtualCall {
  private readonly room = new Room();
  private readonly sampleRate: number;
  private readonly threshold: number;
  private readonly hangoverMs: number;
  private readonly agentPrefix: string;

  private joinedPerf = 0;
  private joinedAt = 0;
  private ended = false;
  private endReason: VirtualCallerEndReason = 'disconnected';
  private disconnectReason: string | null = null;
  private endResolve!: () => void;
  private readonly endPromise = new Promise<void>((resolve) => (this.endResolve = resolve));
  private readonly waiters = new Set<() => void>();
  /** Next prompt the script has not waited for yet. */
  private cursor = 0;

  private readonly prompts: HeardPrompt[] = [];
  private readonly pressTimes: Array<{ digit: string; atMs: number }> = [];
  private inPrompt = false;
  private lastLoudMs = 0;
  private promptSquares = 0;
  private promptSamples = 0;
  /** Energy of the samples since the last loud frame, added to the prompt if it continues. */
  private pendingSquares = 0;
  private pendingSamples = 0;

  private readonly recorded: Int16Array[] = [];
  private recordedSamples = 0;
  private stream: AudioStream | undefined;
  private micTrack: LocalAudioTrack | undefined;
  /** Speech waiting to be sent, oldest first. */
  private readonly micQueue: Array<{ samples: Int16Array; offset: number; done: () => void }> = [];
  private micPump: Promise<void> | undefined;

  constructor(
    private readonly opts: VirtualCallerOptions,
    private readonly identity: string,
  ) {
    this.sampleRate = opts.sampleRate ?? 16_000;
    this.threshold = opts.energyThreshold ?? 300;
    this.hangoverMs = opts.silenceHangoverMs ?? 500;
    this.agentPrefix = opts.agentIdentityPrefix ?? AGENT_IDENTITY_PREFIX;
  }

  async run(): Promise<VirtualCallerResult> {
    const { url, apiKey, apiSecret, roomName, attributes, kind } = this.opts;
    const token = await createJoinToken({ apiKey, apiSecret, roomName, identity: this.identity, attributes, ...(kind ? { kind } : {}) });
    this.room.on(RoomEvent.TrackSubscribed, this.onTrackSubscribed);
    this.room.on(RoomEvent.Disconnected, this.onDisconnected);
    // Provisional, in case the agent's track is announced while connecting.
    this.joinedPerf = performance.now();
    try {
      // rtc-node can leave a connect hanging under load (seen in benchmarks): bound it, so a run fails
      // with a reason instead of waiting forever.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the virtual caller could not join its LiveKit room within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      });
      await Promise.race([this.room.connect(url, token, { autoSubscribe: true, dynacast: false }), deadline]).finally(() => clearTimeout(timer));
      if (this.opts.publishAudio ?? true) await this.publishMicrophone();
    } catch (err) {
      await this.leave();
      throw err;
    }
    this.joinedPerf = performance.now();
    this.joinedAt = Date.now();
    this.emit({ type: 'joined', atMs: 0, identity: this.identity });

    const maxTimer = setTimeout(() => this.finish('maxDuration'), this.opts.maxDurationMs ?? 60_000);
    const onAbort = (): void => this.finish('aborted');
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.opts.signal?.aborted) onAbort();

    let stepsCompleted = 0;
    try {
      for (const step of this.opts.script ?? []) {
        if (!(await this.runStep(step))) break;
        stepsCompleted++;
      }
      await this.endPromise;
    } finally {
      clearTimeout(maxTimer);
      this.opts.signal?.removeEventListener('abort', onAbort);
      await this.leave();
    }
    return this.result(stepsCompleted);
  }

  private async publishMicrophone(): Promise<void> {
    const local = this.room.localParticipant;
    if (!local) throw new Error('connected without a local participant');
    const source = new AudioSource(MIC_SAMPLE_RATE, 1, 100);
    this.micTrack = LocalAudioTrack.createAudioTrack('caller-mic', source);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    await local.publishTrack(this.micTrack, options);
    this.micPump = this.pumpMicrophone(source);
  }

  private now(): number {
    return performance.now() - this.joinedPerf;
  }

  private emit(event: VirtualCallerEvent): void {
    this.opts.onEvent?.(event);
  }

  /** Runs one step; false when the call ended first. */
  private async runStep(step: CallerStep): Promise<boolean> {
    if ('hangup' in step) {
      this.finish('callerHungUp');
      return true;
    }
    if ('waitMs' in step) return this.sleep(step.waitMs);
    if ('waitForPrompt' in step) {
      const index = step.promptIndex ?? this.cursor;
      if (!(await this.until(() => this.promptEnded(index)))) return false;
      this.cursor = index + 1;
      return true;
    }
    if (!(await this.waitForCue(step))) return false;
    if ('say' in step) return this.speak(step.say, step.voice);

    const keys = [...step.press];
    for (const [i, digit] of keys.entries()) {
      if (i > 0 && !(await this.sleep(step.gapMs ?? 150))) return false;
      if (this.ended) return false;
      const atMs = this.now();
      this.pressTimes.push({ digit, atMs });
      this.emit({ type: 'pressed', atMs, digit });
      try {
        await this.room.localParticipant?.publishDtmf(dtmfCode(digit), digit);
      } catch (err) {
        if (this.ended) return false; // hung up while pressing
        throw err;
      }
    }
    return true;
  }

  /** Waits for a step's cue (`after`, `promptIndex`, `delayMs`); false when the call ended first. */
  private async waitForCue(step: { after?: 'promptEnd' | 'promptStart' | number; promptIndex?: number; delayMs?: number }): Promise<boolean> {
    const { after } = step;
    if (typeof after === 'number') {
      if (!(await this.sleep(after - this.now()))) return false;
    } else if (after === 'promptStart') {
      const index = step.promptIndex ?? this.cursor;
      if (!(await this.until(() => this.prompts[index] !== undefined))) return false;
    } else if (after === 'promptEnd') {
      const index = step.promptIndex ?? this.cursor;
      if (!(await this.until(() => this.promptEnded(index)))) return false;
      this.cursor = index + 1;
    }
    if (step.delayMs && !(await this.sleep(step.delayMs))) return false;
    return true;
  }

  /** Speaks text into the microphone track in real time; resolves once it has been sent. */
  private async speak(text: string, voice?: string): Promise<boolean> {
    const spoken = await new EspeakTts().synthesize(text, voice ? { voice } : {});
    const audio = await resample(spoken, MIC_SAMPLE_RATE);
    const atMs = this.now();
    const sent = new Promise<void>((resolve) => this.micQueue.push({ samples: audio.samples, offset: 0, done: resolve }));
    await Promise.race([sent, this.until(() => false)]);
    if (this.ended) return false;
    this.emit({ type: 'spoke', atMs, durationMs: Math.round((audio.samples.length / MIC_SAMPLE_RATE) * 1000) });
    return true;
  }

  /** Feeds the microphone a frame at a time: speech when there is some, silence otherwise, as a phone does. */
  private async pumpMicrophone(source: AudioSource): Promise<void> {
    const frame = (MIC_SAMPLE_RATE * FRAME_MS) / 1000;
    while (!this.ended && this.micTrack) {
      const head = this.micQueue[0];
      // A fresh buffer per frame: rtc-node sends a frame's whole underlying buffer.
      const chunk = new Int16Array(frame);
      if (head) {
        chunk.set(head.samples.subarray(head.offset, head.offset + frame));
        head.offset += frame;
        if (head.offset >= head.samples.length) {
          this.micQueue.shift();
          head.done();
        }
      }
      try {
        await source.captureFrame(new AudioFrame(chunk, MIC_SAMPLE_RATE, 1, frame));
      } catch {
        return; // the track was closed
      }
    }
  }

  private promptEnded(index: number): boolean {
    const prompt = this.prompts[index];
    return prompt !== undefined && prompt.endMs !== null;
  }

  /** Resolves true once `predicate` holds, false if the call ends first. */
  private until(predicate: () => boolean): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const check = (): void => {
        if (predicate()) {
          this.waiters.delete(check);
          resolve(true);
        } else if (this.ended) {
          this.waiters.delete(check);
          resolve(false);
        }
      };
      this.waiters.add(check);
    });
  }

  /** Resolves true after `ms`, false if the call ends first. */
  private sleep(ms: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => done(true), Math.max(0, ms));
      const check = (): void => {
        if (this.ended) done(false);
      };
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private finish(reason: VirtualCallerEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.closePrompt();
    this.emit({ type: 'left', atMs: this.now(), reason });
    this.notify();
    this.endResolve();
  }

  private readonly onDisconnected = (reason: DisconnectReason): void => {
    if (this.ended) return;
    this.disconnectReason = DisconnectReason[reason] ?? String(reason);
    const byAgent = reason === DisconnectReason.PARTICIPANT_REMOVED || reason === DisconnectReason.ROOM_DELETED;
    this.finish(byAgent ? 'agentHungUp' : 'disconnected');
  };

  private readonly onTrackSubscribed = (track: RemoteTrack, _pub: unknown, participant: RemoteParticipant): void => {
    if (track.kind !== TrackKind.KIND_AUDIO || !participant.identity.startsWith(this.agentPrefix)) return;
    this.emit({ type: 'agentTrack', atMs: this.now(), agentIdentity: participant.identity });
    // A newer agent track (hand-over to another worker) replaces the one heard so far.
    void this.stream?.cancel().catch(() => {});
    const stream = new AudioStream(track, { sampleRate: this.sampleRate, numChannels: 1, frameSizeMs: FRAME_MS });
    this.stream = stream;
    void this.consume(stream, participant.identity);
  };

  private async consume(stream: AudioStream, agentIdentity: string): Promise<void> {
    let first = true;
    try {
      for await (const frame of stream) {
        if (this.ended || stream !== this.stream) break;
        if (first) {
          first = false;
          this.emit({ type: 'agentAudio', atMs: this.now(), agentIdentity });
        }
        this.onFrame(frame.data.subarray(0, frame.samplesPerChannel * frame.channels), frame.channels);
      }
    } catch {
      // The stream errors when the room goes away; what was heard so far stays recorded.
    }
  }

  private onFrame(data: Int16Array, channels: number): void {
    const samples = channels === 1 ? data : data.filter((_, i) => i % channels === 0);
    const frameMs = (samples.length / this.sampleRate) * 1000;
    // Frames may arrive in bursts; the frame ends "now", so it started frameMs earlier.
    const startMs = Math.max(0, this.now() - frameMs);
    this.record(samples, startMs);

    let squares = 0;
    for (const s of samples) squares += s * s;
    const rms = samples.length ? Math.sqrt(squares / samples.length) : 0;
    const loud = rms >= this.threshold;
    this.opts.onAudio?.(samples, loud);

    if (loud) {
      if (!this.inPrompt) {
        this.inPrompt = true;
        this.promptSquares = 0;
        this.promptSamples = 0;
        this.pendingSquares = 0;
        this.pendingSamples = 0;
        const index = this.prompts.length;
        this.prompts.push({ index, startMs: round(startMs), endMs: null, rms: 0 });
        this.emit({ type: 'promptStarted', atMs: round(startMs), index });
      }
      this.promptSquares += this.pendingSquares + squares;
      this.promptSamples += this.pendingSamples + samples.length;
      this.pendingSquares = 0;
      this.pendingSamples = 0;
      this.lastLoudMs = startMs + frameMs;
      this.notify();
    } else if (this.inPrompt) {
      this.pendingSquares += squares;
      this.pendingSamples += samples.length;
      if (startMs + frameMs - this.lastLoudMs >= this.hangoverMs) this.closePrompt();
    }
  }

  private closePrompt(): void {
    if (!this.inPrompt) return;
    this.inPrompt = false;
    const prompt = this.prompts[this.prompts.length - 1];
    if (!prompt) return;
    prompt.endMs = round(this.lastLoudMs);
    prompt.rms = round(this.promptSamples ? Math.sqrt(this.promptSquares / this.promptSamples) : 0);
    this.emit({ type: 'promptEnded', atMs: prompt.endMs, index: prompt.index, rms: prompt.rms });
    this.notify();
  }

  /** Appends to the recording, padding with silence so that WAV time matches time since joining. */
  private record(samples: Int16Array, startMs: number): void {
    const expected = Math.round((startMs / 1000) * this.sampleRate);
    const gap = expected - this.recordedSamples;
    // Pad only real gaps (no audio for a while), not scheduling jitter.
    if (gap > this.sampleRate * 0.06) {
      this.recorded.push(new Int16Array(gap));
      this.recordedSamples += gap;
    }
    this.recorded.push(samples.slice());
    this.recordedSamples += samples.length;
  }

  private async leave(): Promise<void> {
    this.room.off(RoomEvent.TrackSubscribed, this.onTrackSubscribed);
    this.room.off(RoomEvent.Disconnected, this.onDisconnected);
    await this.stream?.cancel().catch(() => {});
    this.stream = undefined;
    const track = this.micTrack;
    this.micTrack = undefined;
    for (const pending of this.micQueue.splice(0)) pending.done();
    await this.micPump;
    await this.room.disconnect();
    await track?.close(true);
    this.waiters.clear();
  }

  private async result(stepsCompleted: number): Promise<VirtualCallerResult> {
    let recordingPath: string | null = null;
    if (this.opts.recordPath) {
      const all = new Int16Array(this.recordedSamples);
      let at = 0;
      for (const chunk of this.recorded) {
        all.set(chunk, at);
        at += chunk.length;
      }
      const wav = new wavefile.WaveFile();
      wav.fromScratch(1, this.sampleRate, '16', all);
      await mkdir(dirname(this.opts.recordPath), { recursive: true });
      await writeFile(this.opts.recordPath, wav.toBuffer());
      recordingPath = this.opts.recordPath;
    }

    const presses: CallerPress[] = this.pressTimes.map(({ digit, atMs }) => {
      const next = this.prompts.find((p) => p.startMs >= atMs);
      const during = this.prompts.find((p) => p.startMs < atMs && (p.endMs === null || p.endMs >= atMs));
      return {
        digit,
        atMs: round(atMs),
        digitToNextPromptMs: next ? round(next.startMs - atMs) : null,
        digitToSilenceMs: during?.endMs != null ? round(during.endMs - atMs) : null,
      };
    });

    return {
      roomName: this.opts.roomName,
      identity: this.identity,
      joinedAt: this.joinedAt,
      durationMs: round(this.now()),
      prompts: this.prompts,
      presses,
      stepsCompleted,
      hungUpByAgent: this.endReason === 'agentHungUp',
      endReason: this.endReason,
      disconnectReason: this.disconnectReason,
      recordingPath,
      recordedMs: round((this.recordedSamples / this.sampleRate) * 1000),
      sampleRate: this.sampleRate,
    };
  }
}

function round(ms: number): number {
  return Math.round(ms);
}
