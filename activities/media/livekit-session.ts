/**
 * {@link MediaSession} over a LiveKit room, using the server-side WebRTC client `@livekit/rtc-node`.
 * The agent publishes one microphone track for the whole call and speaks into it; DTMF arrives as
 * `RoomEvent.DtmfReceived` (LiveKit SIP turns RFC 2833 digits into those, as does `publishDtmf`).
 */
import {
  AudioFrame,
  AudioResampler,
  AudioSource,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
  type RemoteParticipant,
} from '@livekit/rtc-node';
import { AccessToken, RoomServiceClient, ServerError } from 'livekit-server-sdk';
import type { JoinOptions, MediaSession, SayOptions, SayResult } from './types.js';

/** Participants whose identity starts with this are agents; every other participant is the caller. */
export const AGENT_IDENTITY_PREFIX = 'agent-';
/** Rate of the agent's published track. */
export const SESSION_SAMPLE_RATE = 48_000;
/** Length of each frame handed to the audio source. */
export const FRAME_MS = 20;
/** Interval of `onProgress` calls while audio plays or a digit is awaited. */
export const PROGRESS_INTERVAL_MS = 250;
/**
 * Audio the native source may hold ahead of real time. Small, so `playedMs` stays accurate;
 * `clearQueue()` drops it on barge-in anyway.
 */
const SOURCE_QUEUE_MS = 200;
/** How long `close()` lets a stopping `say()` finish before it frees the audio source. */
const CLOSE_GRACE_MS = 1_000;

/** True for a participant that is the caller (any non-agent participant). */
export function isCallerIdentity(identity: string): boolean {
  return !identity.startsWith(AGENT_IDENTITY_PREFIX);
}

/** Options of {@link createJoinToken}. */
export interface JoinTokenOptions {
  apiKey: string;
  apiSecret: string;
  roomName: string;
  identity: string;
  /** Participant attributes carried in the token. */
  attributes?: Record<string, string>;
  /** Token lifetime; default 6 h. */
  ttlMs?: number;
}

/** Mints a token that may join `roomName`, publish and subscribe audio, and send data (DTMF). */
export async function createJoinToken(options: JoinTokenOptions): Promise<string> {
  const token = new AccessToken(options.apiKey, options.apiSecret, {
    identity: options.identity,
    attributes: options.attributes,
    ttl: Math.ceil((options.ttlMs ?? 6 * 3_600_000) / 1000),
  });
  token.addGrant({
    room: options.roomName,
    roomJoin: true,
    canPublish: true,
    canSubscribe: true,
    canPublishData: true,
  });
  return token.toJwt();
}

/** The HTTP(S) URL of the server API behind a ws(s):// signalling URL. */
export function httpUrlFromWsUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://');
}

/** Why a pending `say()` or `nextDigit()` ended without a result. */
export type MediaSessionEndReason = 'callerLeft' | 'closed';

/**
 * Rejection of `say()` / `nextDigit()` when the caller left or the session closed (by `close()`,
 * `hangup()` or the server dropping the room) while they were pending.
 */
export class MediaSessionEndedError extends Error {
  override readonly name = 'MediaSessionEndedError';
  constructor(readonly reason: MediaSessionEndReason) {
    super(reason === 'callerLeft' ? 'the caller left the room' : 'the media session is closed');
  }
}

/**
 * Joins the call's room as the agent and publishes its voice track. Resolves once connected and
 * published; the caller may join before or after.
 */
export async function joinRoom(opts: JoinOptions): Promise<MediaSession> {
  const session = new LiveKitMediaSession(opts);
  await session.connect();
  return session;
}

const DTMF_CODE_DIGITS = '0123456789*#';
const DTMF_DIGIT = /^[0-9*#]$/;

/** The digit of a DTMF event; SIP sends both fields, `code` covers an empty `digit`. */
function dtmfDigit(code: number, digit: string): string | null {
  if (DTMF_DIGIT.test(digit)) return digit;
  return DTMF_CODE_DIGITS[code] ?? null;
}

class LiveKitMediaSession implements MediaSession {
  readonly roomName: string;

  private readonly room = new Room();
  private readonly source = new AudioSource(SESSION_SAMPLE_RATE, 1, SOURCE_QUEUE_MS);
  private track: LocalAudioTrack | undefined;

  /** Type-ahead buffer, oldest first. */
  private readonly digits: string[] = [];
  /** Called after each buffered digit; nextDigit waiters take from the buffer, say() only looks. */
  private readonly digitListeners = new Set<() => void>();
  /** Called when pending work must end: the caller left or the session closed. */
  private readonly endListeners = new Set<(reason: MediaSessionEndReason) => void>();
  private readonly callerLeftListeners: Array<() => void> = [];

  private callerLeft = false;
  /** Set once close() starts (hangup() ends in it), or when the server drops us. */
  private ended = false;
  /** Set while the agent itself ends the call, so removing the caller is not reported as a hang-up. */
  private hangingUp = false;
  private closePromise: Promise<void> | undefined;
  /** Tail of the say() queue: one utterance plays at a time. */
  private sayChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: JoinOptions) {
    this.roomName = opts.roomName;
    this.room.on(RoomEvent.DtmfReceived, this.onDtmf);
    this.room.on(RoomEvent.ParticipantDisconnected, this.onParticipantDisconnected);
    this.room.on(RoomEvent.Disconnected, this.onDisconnected);
  }

  get callerPresent(): boolean {
    if (this.ended) return false;
    for (const p of this.room.remoteParticipants.values()) if (isCallerIdentity(p.identity)) return true;
    return false;
  }

  /** @internal Connects and publishes; on failure frees everything and rethrows. */
  async connect(): Promise<void> {
    const { url, apiKey, apiSecret, roomName, identity } = this.opts;
    try {
      const token = await createJoinToken({ apiKey, apiSecret, roomName, identity });
      await this.room.connect(url, token, { autoSubscribe: true, dynacast: false });
      const local = this.room.localParticipant;
      if (!local) throw new Error('connected without a local participant');
      this.track = LocalAudioTrack.createAudioTrack('agent-voice', this.source);
      const publishOptions = new TrackPublishOptions();
      publishOptions.source = TrackSource.SOURCE_MICROPHONE;
      await local.publishTrack(this.track, publishOptions);
    } catch (err) {
      await this.close().catch(() => {});
      throw new Error(`could not join LiveKit room ${roomName} at ${url}: ${(err as Error).message}`, { cause: err });
    }
  }

  say(text: string, options: SayOptions): Promise<SayResult> {
    const run = this.sayChain.then(() => this.play(text, options));
    this.sayChain = run.catch(() => {});
    return run;
  }

  nextDigit(timeoutMs: number, options: { signal?: AbortSignal; onProgress?: () => void } = {}): Promise<string | null> {
    const buffered = this.digits.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const endReason = this.endReason();
    if (endReason) return Promise.reject(new MediaSessionEndedError(endReason));
    if (timeoutMs <= 0) return Promise.resolve(null);

    return new Promise<string | null>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        clearInterval(progress);
        this.digitListeners.delete(onDigit);
        this.endListeners.delete(onEnd);
        signal?.removeEventListener('abort', onAbort);
      };
      const onDigit = (): void => {
        const digit = this.digits.shift();
        if (digit === undefined) return; // an earlier waiter took it
        cleanup();
        resolve(digit);
      };
      const onEnd = (reason: MediaSessionEndReason): void => {
        cleanup();
        reject(new MediaSessionEndedError(reason));
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(null);
      }, timeoutMs);
      const progress = onProgress ? setInterval(onProgress, PROGRESS_INTERVAL_MS) : undefined;
      this.digitListeners.add(onDigit);
      this.endListeners.add(onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  clearDigits(): void {
    this.digits.length = 0;
  }

  onCallerLeft(listener: () => void): void {
    if (this.callerLeft) queueMicrotask(listener);
    else this.callerLeftListeners.push(listener);
  }

  async hangup(): Promise<void> {
    if (this.ended) return this.close();
    this.hangingUp = true;
    const callers = [...this.room.remoteParticipants.values()]
      .map((p) => p.identity)
      .filter(isCallerIdentity);
    const client = new RoomServiceClient(httpUrlFromWsUrl(this.opts.url), this.opts.apiKey, this.opts.apiSecret);
    const results = await Promise.allSettled(
      callers.map((identity) => client.removeParticipant(this.roomName, identity)),
    );
    await this.close();
    const failure = results.find(
      (r): r is PromiseRejectedResult => r.status === 'rejected' && !isNotFound(r.reason),
    );
    if (failure) {
      throw new Error(`could not remove the caller from room ${this.roomName}: ${errorMessage(failure.reason)}`, {
        cause: failure.reason,
      });
    }
  }

  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.ended = true;
    this.notifyEnd('closed');
    // Let a stopping say() finish its in-flight captureFrame before the source goes away.
    await Promise.race([this.sayChain, delay(CLOSE_GRACE_MS)]);
    try {
      await this.room.disconnect();
    } finally {
      this.room.off(RoomEvent.DtmfReceived, this.onDtmf);
      this.room.off(RoomEvent.ParticipantDisconnected, this.onParticipantDisconnected);
      this.room.off(RoomEvent.Disconnected, this.onDisconnected);
      // Closing the track also closes its source; without a track, close the source directly.
      if (this.track) await this.track.close(true);
      else await this.source.close();
      this.digitListeners.clear();
      this.endListeners.clear();
      this.callerLeftListeners.length = 0;
    }
  }

  private readonly onDtmf = (code: number, digit: string, participant: RemoteParticipant | undefined): void => {
    if (participant && !isCallerIdentity(participant.identity)) return;
    const d = dtmfDigit(code, digit);
    if (d === null) return;
    this.digits.push(d);
    for (const listener of [...this.digitListeners]) listener();
  };

  private readonly onParticipantDisconnected = (participant: RemoteParticipant): void => {
    if (!isCallerIdentity(participant.identity) || this.callerPresent) return;
    this.reportCallerLeft();
  };

  private readonly onDisconnected = (): void => {
    // A disconnect we did not ask for (room deleted, server gone) ends the call too.
    const unexpected = !this.ended;
    this.ended = true;
    if (unexpected) {
      this.reportCallerLeft();
      this.notifyEnd('closed');
    }
  };

  private reportCallerLeft(): void {
    if (this.callerLeft || this.hangingUp) return;
    this.callerLeft = true;
    this.notifyEnd('callerLeft');
    for (const listener of this.callerLeftListeners.splice(0)) listener();
  }

  private notifyEnd(reason: MediaSessionEndReason): void {
    for (const listener of [...this.endListeners]) listener(reason);
  }

  private endReason(): MediaSessionEndReason | null {
    if (this.ended) return 'closed';
    if (this.callerLeft) return 'callerLeft';
    return null;
  }

  /** Plays one utterance; see {@link MediaSession.say}. */
  private async play(text: string, options: SayOptions): Promise<SayResult> {
    const { signal, interruptible } = options;
    const checkState = (): void => {
      signal?.throwIfAborted();
      const reason = this.endReason();
      if (reason) throw new MediaSessionEndedError(reason);
    };
    checkState();
    // Type-ahead: a caller who already pressed a key skips the prompt.
    if (interruptible && this.digits.length > 0) return { interrupted: true, playedMs: 0 };

    options.onProgress?.();
    const audio = await this.opts.tts.synthesize(text, { voice: options.voice, language: options.language, signal });
    checkState();
    if (interruptible && this.digits.length > 0) return { interrupted: true, playedMs: 0 };
    const pcm = resampleTo(audio.samples, audio.sampleRate, SESSION_SAMPLE_RATE);

    type Stop = { kind: 'digit' } | { kind: 'abort'; reason: unknown } | { kind: 'ended'; reason: MediaSessionEndReason };
    let stop: Stop | undefined;
    let playedMs = 0;
    let pushedSamples = 0;
    let wake!: () => void;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    const requestStop = (s: Stop): void => {
      if (stop) return;
      stop = s;
      // What is still queued was never heard.
      playedMs = Math.max(0, (pushedSamples / SESSION_SAMPLE_RATE) * 1000 - this.source.queuedDuration);
      this.source.clearQueue();
      wake();
    };
    const onDigit = (): void => {
      if (interruptible) requestStop({ kind: 'digit' });
    };
    const onEnd = (reason: MediaSessionEndReason): void => requestStop({ kind: 'ended', reason });
    const onAbort = (): void => requestStop({ kind: 'abort', reason: signal?.reason });
    this.digitListeners.add(onDigit);
    this.endListeners.add(onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    const progress = options.onProgress ? setInterval(options.onProgress, PROGRESS_INTERVAL_MS) : undefined;

    try {
      const frameSamples = (SESSION_SAMPLE_RATE * FRAME_MS) / 1000;
      for (let offset = 0; offset < pcm.length && !stop; offset += frameSamples) {
        // slice, not subarray: rtc-node sends a frame's whole underlying ArrayBuffer, ignoring byteOffset.
        const chunk = pcm.slice(offset, offset + frameSamples);
        await this.source.captureFrame(new AudioFrame(chunk, SESSION_SAMPLE_RATE, 1, chunk.length));
        pushedSamples += chunk.length;
      }
      if (!stop) await Promise.race([this.source.waitForPlayout(), stopped]);
      // A frame captured while stopping may have slipped in after the first clear.
      if (stop) {
        if (!this.source.closed) this.source.clearQueue();
      } else {
        playedMs = (pcm.length / SESSION_SAMPLE_RATE) * 1000;
      }
    } finally {
      clearInterval(progress);
      this.digitListeners.delete(onDigit);
      this.endListeners.delete(onEnd);
      signal?.removeEventListener('abort', onAbort);
    }

    const result = stop as Stop | undefined;
    if (result?.kind === 'abort') throw result.reason;
    if (result?.kind === 'ended') throw new MediaSessionEndedError(result.reason);
    return { interrupted: result?.kind === 'digit', playedMs: Math.round(playedMs) };
  }
}

/** Resamples mono PCM with rtc-node's sox-based resampler. */
function resampleTo(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || samples.length === 0) return samples;
  const resampler = new AudioResampler(fromRate, toRate, 1);
  try {
    // The input must own its ArrayBuffer (see the slice note in play()).
    const input = samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength ? samples : samples.slice();
    const frames = [...resampler.push(new AudioFrame(input, fromRate, 1, input.length)), ...resampler.flush()];
    const total = frames.reduce((n, f) => n + f.samplesPerChannel, 0);
    const out = new Int16Array(total);
    let at = 0;
    for (const f of frames) {
      out.set(f.data.subarray(0, f.samplesPerChannel), at);
      at += f.samplesPerChannel;
    }
    return out;
  } finally {
    resampler.close();
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ServerError && (err.status === 404 || err.code === 'not_found');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
