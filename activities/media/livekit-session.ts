/**
 * {@link MediaSession} over a LiveKit room, using the server-side WebRTC client `@livekit/rtc-node`.
 * The agent publishes one microphone track for the whole call and speaks into it; DTMF arrives as
 * `RoomEvent.DtmfReceived` (LiveKit SIP turns RFC 2833 digits into those, as does `publishDtmf`).
 * This file is the session: joining, the say queue, listening, recording and the call's end. Its
 * parts by concern are in session/: join.ts (token, who is the caller), playback.ts (the agent's
 * track and prompt audio), caller-audio.ts (the caller's audio tap), keys.ts (DTMF), ended.ts.
 */
import {
  AudioFrame,
  AudioSource,
  DisconnectReason,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type LocalTrackPublication,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
} from '@livekit/rtc-node';
import { RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { UtteranceListener } from './stt/utterance-listener.js';
import type {
  AgentAudioListener,
  CallerAudioListener,
  JoinOptions,
  ListenOptions,
  ListenResult,
  MediaSession,
  PcmAudio,
  RecordCallerOptions,
  RecordCallerResult,
  SayOptions,
  SayResult,
} from './types.js';
import { SilenceRecorder } from './vad/silence-recorder.js';
import { BargeInDetector } from './vad/barge-in.js';
import { CALLER_AUDIO_SAMPLE_RATE, CallerAudioTap } from './session/caller-audio.js';
import { MediaSessionEndedError, type MediaSessionEndReason } from './session/ended.js';
import { createJoinToken, httpUrlFromWsUrl, isCallerIdentity, sipCallActive } from './session/join.js';
import { DTMF_DIGIT, dtmfDigit, KeyBuffer } from './session/keys.js';
import { concatSamples, FRAME_MS, resampleStream, SESSION_SAMPLE_RATE, single, SOURCE_QUEUE_MS } from './session/playback.js';

export { AGENT_IDENTITY_PREFIX, agentIdentity } from './types.js';
export { MediaSessionEndedError, type MediaSessionEndReason } from './session/ended.js';
export { createJoinToken, httpUrlFromWsUrl, isCallerIdentity, sipCallActive, type JoinTokenOptions } from './session/join.js';
/** Interval of `onProgress` calls while audio plays or a digit is awaited. */
export const PROGRESS_INTERVAL_MS = 250;
/** How long `close()` lets a stopping `say()` finish before it frees the audio source. */
const CLOSE_GRACE_MS = 1_000;
/** How long speech that stopped a prompt is kept for a listen() that has not started yet. */
const BARGE_IN_KEEP_MS = 10_000;
/**
 * `recordCaller()` stops by the clock this long after `maxDurationMs` even when the caller's audio
 * stopped flowing (its track gone), which would otherwise leave it waiting.
 */
const RECORD_WALL_CLOCK_GRACE_MS = 2_000;

/**
 * Joins the call's room as the agent and publishes its voice track. Resolves once connected and
 * published; the caller may join before or after.
 */
export async function joinRoom(opts: JoinOptions): Promise<MediaSession> {
  const session = new LiveKitMediaSession(opts);
  await session.connect();
  return session;
}

class LiveKitMediaSession implements MediaSession {
  readonly roomName: string;

  private readonly room = new Room();
  private readonly source = new AudioSource(SESSION_SAMPLE_RATE, 1, SOURCE_QUEUE_MS);
  private track: LocalAudioTrack | undefined;
  private publication: LocalTrackPublication | undefined;

  /** The caller's keys: type-ahead buffer and waiters. */
  private readonly keys = new KeyBuffer();
  /** Called when pending work must end: the caller left or the session closed. */
  private readonly endListeners = new Set<(reason: MediaSessionEndReason) => void>();
  private readonly callerLeftListeners: Array<() => void> = [];
  private readonly removedListeners: Array<() => void> = [];
  /** Set when the server removed this agent from the room: another media worker has the call. */
  private removed = false;

  private callerLeft = false;
  /** Set once close() starts (hangup() ends in it), or when the server drops us. */
  private ended = false;
  /** Set while the agent itself ends the call, so removing the caller is not reported as a hang-up. */
  private hangingUp = false;
  private closePromise: Promise<void> | undefined;
  /** Tail of the say() queue: one utterance plays at a time. */
  private sayChain: Promise<unknown> = Promise.resolve();

  /** The caller's audio, pulled from the room only while anyone listens. */
  private readonly callerAudio = new CallerAudioTap(() => this.ended);
  private readonly agentAudioListeners = new Set<AgentAudioListener>();
  private stopInbandDtmf: (() => void) | undefined;
  /**
   * Caller speech that stopped the last prompt, still being captured until `listen()` takes it
   * (or the next prompt, or BARGE_IN_KEEP_MS, drops it).
   */
  private bargeInCapture: { detector: BargeInDetector; unsubscribe: () => void; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly opts: JoinOptions) {
    this.roomName = opts.roomName;
    this.room.on(RoomEvent.DtmfReceived, this.onDtmf);
    this.room.on(RoomEvent.ParticipantDisconnected, this.onParticipantDisconnected);
    this.room.on(RoomEvent.Disconnected, this.onDisconnected);
    this.room.on(RoomEvent.TrackSubscribed, this.onTrackSubscribed);
    this.room.on(RoomEvent.TrackUnsubscribed, this.onTrackUnsubscribed);
  }

  get callerIdentity(): string | undefined {
    for (const p of this.room.remoteParticipants.values()) if (isCallerIdentity(p.identity)) return p.identity;
    return undefined;
  }

  get callerReady(): boolean {
    if (this.ended) return false;
    for (const p of this.room.remoteParticipants.values()) if (isCallerIdentity(p.identity) && sipCallActive(p.attributes)) return true;
    return false;
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
      this.publication = await local.publishTrack(this.track, publishOptions);
      // A caller already in the room had its track subscribed during connect().
      for (const participant of this.room.remoteParticipants.values()) {
        if (!isCallerIdentity(participant.identity)) continue;
        for (const publication of participant.trackPublications.values()) {
          if (publication.track && publication.kind === TrackKind.KIND_AUDIO) this.callerAudio.setTrack(publication.track);
        }
      }
      this.startInbandDtmf();
    } catch (err) {
      await this.close().catch(() => {});
      // No room name in the message: SIP rooms are named after the caller's number, and failure messages reach Temporal.
      throw new Error(`could not join the call's LiveKit room at ${url}: ${(err as Error).message}`, { cause: err });
    }
  }

  async waitUntilHeard(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const publication = this.publication;
    if (!publication || this.ended || signal?.aborted) return false;
    // LiveKit tells the publisher when a participant first subscribed to the track (rtc-node's
    // LocalTrackSubscribed): from then on what the agent says reaches the caller.
    const given = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
    const givenUp = new Promise<false>((resolve) => given.addEventListener('abort', () => resolve(false), { once: true }));
    return Promise.race([publication.waitForSubscription().then(() => true), givenUp]);
  }

  say(text: string, options: SayOptions): Promise<SayResult> {
    const run = this.sayChain.then(() => this.play(text, options));
    this.sayChain = run.catch(() => {});
    return run;
  }

  playAudio(audio: PcmAudio, options: SayOptions): Promise<SayResult> {
    const run = this.sayChain.then(() => this.play(audio, options));
    this.sayChain = run.catch(() => {});
    return run;
  }

  nextDigit(timeoutMs: number, options: { signal?: AbortSignal; onProgress?: () => void } = {}): Promise<string | null> {
    const buffered = this.keys.digits.shift();
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
        this.keys.listeners.delete(onDigit);
        this.endListeners.delete(onEnd);
        signal?.removeEventListener('abort', onAbort);
      };
      const onDigit = (): void => {
        const digit = this.keys.digits.shift();
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
      this.keys.listeners.add(onDigit);
      this.endListeners.add(onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  clearDigits(): void {
    this.keys.digits.length = 0;
  }

  onCallerLeft(listener: () => void): void {
    if (this.callerLeft) queueMicrotask(listener);
    else this.callerLeftListeners.push(listener);
  }

  onRemoved(listener: () => void): void {
    if (this.removed) queueMicrotask(listener);
    else this.removedListeners.push(listener);
  }

  async listen(options: ListenOptions): Promise<ListenResult> {
    const { signal } = options;
    signal?.throwIfAborted();
    const endReason = this.endReason();
    if (endReason) throw new MediaSessionEndedError(endReason);
    const buffered = this.keys.digits.shift();
    if (buffered !== undefined) return { transcript: null, confidence: 0, digit: buffered };
    const { vad } = this.opts;
    const stt = options.stt ?? this.opts.stt;
    if (!stt || !vad) throw new Error('listen() needs a speech recognizer and a voice activity detector (JoinOptions stt, vad)');

    const listener = new UtteranceListener({ stt, vad }, options);
    // Speech that stopped the prompt before this listen goes first; the live audio continues it
    // (the capture is dropped only after the listen has subscribed, so no frame falls between).
    const capture = this.takeBargeInCapture();
    const listening = this.whileCallerAudio<ListenResult>(options, (settle) => {
      listener.result.then(
        (result) => settle({ result }),
        (error: unknown) => settle({ error }),
      );
      for (const chunk of capture?.detector.audio() ?? []) listener.push(chunk);
      return {
        onAudio: (samples) => listener.push(samples),
        onDigit: () => {
          const digit = this.keys.digits.shift();
          if (digit !== undefined) settle({ result: { transcript: null, confidence: 0, digit } });
        },
        onCallerLeft: () => settle({ error: new MediaSessionEndedError('callerLeft') }),
        stop: () => listener.cancel(),
      };
    });
    capture?.unsubscribe();
    return listening;
  }

  /** Hands over (and forgets) the speech captured by the last barge-in, if any. */
  private takeBargeInCapture(): { detector: BargeInDetector; unsubscribe: () => void } | undefined {
    const capture = this.bargeInCapture;
    this.bargeInCapture = undefined;
    if (!capture) return undefined;
    clearTimeout(capture.timer);
    return {
      detector: capture.detector,
      unsubscribe: () => {
        capture.unsubscribe();
        capture.detector.close();
      },
    };
  }

  async recordCaller(options: RecordCallerOptions): Promise<RecordCallerResult> {
    const { signal, finishKey } = options;
    signal?.throwIfAborted();
    const endReason = this.endReason();
    if (endReason) throw new MediaSessionEndedError(endReason);
    const { vad } = this.opts;
    if (!vad) throw new Error('recordCaller() needs a voice activity detector (JoinOptions vad)');

    const recorder = new SilenceRecorder(vad, options);
    let timer: NodeJS.Timeout | undefined;
    return this.whileCallerAudio<RecordCallerResult>(options, (settle) => {
      recorder.done.then(
        (result) => settle({ result }),
        (error: unknown) => settle({ error }),
      );
      timer = setTimeout(() => recorder.stop('maxDuration'), options.maxDurationMs + RECORD_WALL_CLOCK_GRACE_MS);
      return {
        onAudio: (samples) => recorder.push(samples),
        onDigit: () => {
          // Only a key pressed now counts; other keys stay buffered for what comes next.
          if (finishKey === undefined || this.keys.digits.at(-1) !== finishKey) return;
          this.keys.digits.pop();
          recorder.stop('key');
        },
        // A caller who hangs up has finished the message: keep what was said.
        onCallerLeft: () => recorder.stop('hangup'),
        stop: () => clearTimeout(timer),
      };
    });
  }

  onAgentAudio(listener: AgentAudioListener): () => void {
    this.agentAudioListeners.add(listener);
    return () => this.agentAudioListeners.delete(listener);
  }

  /** Tells agent-audio listeners that queued audio was dropped. */
  private agentAudioCleared(): void {
    for (const listener of this.agentAudioListeners) listener({ kind: 'cleared' });
  }

  onCallerAudio(listener: CallerAudioListener): () => void {
    if (this.ended) return () => {};
    return this.callerAudio.subscribe(listener);
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
      throw new Error(`could not remove the caller from the call's room: ${errorMessage(failure.reason)}`, {
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
    this.stopInbandDtmf?.();
    this.takeBargeInCapture()?.unsubscribe();
    this.callerAudio.close();
    // Let a stopping say() finish its in-flight captureFrame before the source goes away.
    await Promise.race([this.sayChain, delay(CLOSE_GRACE_MS)]);
    try {
      await this.room.disconnect();
    } finally {
      this.room.off(RoomEvent.DtmfReceived, this.onDtmf);
      this.room.off(RoomEvent.ParticipantDisconnected, this.onParticipantDisconnected);
      this.room.off(RoomEvent.Disconnected, this.onDisconnected);
      this.room.off(RoomEvent.TrackSubscribed, this.onTrackSubscribed);
      this.room.off(RoomEvent.TrackUnsubscribed, this.onTrackUnsubscribed);
      // Closing the track also closes its source; without a track, close the source directly.
      if (this.track) await this.track.close(true);
      else await this.source.close();
      this.keys.listeners.clear();
      this.endListeners.clear();
      this.callerLeftListeners.length = 0;
      this.removedListeners.length = 0;
    }
  }

  private readonly onDtmf = (code: number, digit: string, participant: RemoteParticipant | undefined): void => {
    if (participant && !isCallerIdentity(participant.identity)) return;
    const d = dtmfDigit(code, digit);
    if (d !== null) this.keys.accept(d, 'rfc2833');
  };

  private readonly onParticipantDisconnected = (participant: RemoteParticipant): void => {
    if (!isCallerIdentity(participant.identity) || this.callerPresent) return;
    this.reportCallerLeft();
  };

  private readonly onDisconnected = (reason?: DisconnectReason): void => {
    const unexpected = !this.ended;
    this.ended = true;
    if (!unexpected) return;
    if (reason !== DisconnectReason.ROOM_DELETED && reason !== DisconnectReason.ROOM_CLOSED) {
      // This worker lost the room, not the caller: removed (another worker took the call over, a
      // hand-over fence), replaced by a second join of the same identity, or cut off. Stop at once,
      // without reporting a hang-up; nothing still queued may reach the caller; the workflow moves
      // the call to a worker that has the room.
      this.removed = true;
      this.source.clearQueue();
      this.notifyEnd('closed');
      for (const listener of this.removedListeners.splice(0)) listener();
      return;
    }
    // The room is gone: so is the call.
    this.reportCallerLeft();
    this.notifyEnd('closed');
  };

  /**
   * Runs a task that consumes the caller's audio (listen, record) until it settles: wires audio,
   * keys, the caller leaving, the session closing, abort and progress to it, and unwires them all.
   */
  private whileCallerAudio<T>(
    options: { signal?: AbortSignal; onProgress?: () => void },
    start: (settle: (outcome: { result: T } | { error: unknown }) => void) => {
      onAudio: CallerAudioListener;
      onDigit: () => void;
      onCallerLeft: () => void;
      stop: () => void;
    },
  ): Promise<T> {
    const { signal, onProgress } = options;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      // Filled in by start(), which may already settle (then `hooks` is still unset).
      const ref: { hooks?: ReturnType<typeof start> } = {};
      let unsubscribe = (): void => {};
      const settle = (outcome: { result: T } | { error: unknown }): void => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearInterval(progress);
        this.keys.listeners.delete(onDigit);
        this.endListeners.delete(onEnd);
        signal?.removeEventListener('abort', onAbort);
        ref.hooks?.stop();
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      const onDigit = (): void => ref.hooks?.onDigit();
      const onEnd = (reason: MediaSessionEndReason): void => {
        if (reason === 'callerLeft') ref.hooks?.onCallerLeft();
        else settle({ error: new MediaSessionEndedError(reason) });
      };
      const onAbort = (): void => settle({ error: signal?.reason });
      const progress = onProgress ? setInterval(onProgress, PROGRESS_INTERVAL_MS) : undefined;
      this.keys.listeners.add(onDigit);
      this.endListeners.add(onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
      ref.hooks = start(settle);
      if (settled) ref.hooks.stop();
      else unsubscribe = this.onCallerAudio((samples) => ref.hooks?.onAudio(samples));
    });
  }

  /**
   * In-band DTMF: when the worker supplies a detector, it hears the caller's audio for the whole call
   * and its keys join the RFC 2833 ones (see KeyBuffer.accept for keys reported both ways).
   */
  private startInbandDtmf(): void {
    const create = this.opts.createInbandDtmfDetector;
    if (!create || this.stopInbandDtmf) return;
    const detector = create(CALLER_AUDIO_SAMPLE_RATE);
    this.stopInbandDtmf = this.onCallerAudio((samples) => {
      for (const { digit } of detector.push(samples)) if (DTMF_DIGIT.test(digit)) this.keys.accept(digit, 'inband');
    });
  }

  private readonly onTrackSubscribed = (track: RemoteTrack, _publication: RemoteTrackPublication, participant: RemoteParticipant): void => {
    if (track.kind === TrackKind.KIND_AUDIO && isCallerIdentity(participant.identity)) this.callerAudio.setTrack(track);
  };

  private readonly onTrackUnsubscribed = (track: RemoteTrack): void => this.callerAudio.trackGone(track);

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

  /** Plays one utterance (text to synthesize, or audio); see {@link MediaSession.say}. */
  private async play(what: string | PcmAudio, options: SayOptions): Promise<SayResult> {
    const { signal, interruptible } = options;
    const checkState = (): void => {
      signal?.throwIfAborted();
      const reason = this.endReason();
      if (reason) throw new MediaSessionEndedError(reason);
    };
    checkState();
    // Type-ahead: a caller who already pressed a key skips the prompt.
    if (interruptible && this.keys.digits.length > 0) return { interrupted: true, interruptedBy: 'digit', playedMs: 0 };
    // A new prompt: speech captured by an earlier barge-in that nobody listened to is stale.
    this.takeBargeInCapture()?.unsubscribe();

    options.onProgress?.();
    // The prompt's audio at the session rate, in blocks: one block for recorded or synthesized
    // audio, the provider's chunks as they arrive when it streams (playback starts at the first).
    const tts = options.tts ?? this.opts.tts;
    const spoken = { voice: options.voice, language: options.language, signal };
    let blocks: AsyncIterable<Int16Array>;
    if (typeof what !== 'string') blocks = resampleStream(single(what), SESSION_SAMPLE_RATE);
    else if (tts.stream) blocks = resampleStream(tts.stream(what, spoken), SESSION_SAMPLE_RATE);
    else blocks = resampleStream(single(await tts.synthesize(what, spoken)), SESSION_SAMPLE_RATE);
    const iterator = blocks[Symbol.asyncIterator]();
    const first = await iterator.next();
    const closeSource = (): void => void iterator.return?.().catch(() => undefined);
    try {
      checkState();
    } catch (error) {
      closeSource();
      throw error;
    }
    if (interruptible && this.keys.digits.length > 0) {
      closeSource();
      return { interrupted: true, interruptedBy: 'digit', playedMs: 0 };
    }

    type Stop = { kind: 'digit' | 'speech' } | { kind: 'abort'; reason: unknown } | { kind: 'ended'; reason: MediaSessionEndReason };
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
      this.agentAudioCleared();
      wake();
    };
    const onDigit = (): void => {
      if (interruptible) requestStop({ kind: 'digit' });
    };
    const onEnd = (reason: MediaSessionEndReason): void => requestStop({ kind: 'ended', reason });
    const onAbort = (): void => requestStop({ kind: 'abort', reason: signal?.reason });
    this.keys.listeners.add(onDigit);
    this.endListeners.add(onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    const progress = options.onProgress ? setInterval(options.onProgress, PROGRESS_INTERVAL_MS) : undefined;
    // Speech barge-in: the caller's voice stops the prompt, and what they say is kept for listen().
    const vad = this.opts.vad;
    const bargeIn =
      interruptible && options.bargeInOnSpeech && vad
        ? new BargeInDetector(vad, () => requestStop({ kind: 'speech' }), this.opts.bargeIn)
        : undefined;
    const stopHearing = bargeIn ? this.onCallerAudio((samples) => bargeIn.push(samples)) : undefined;

    try {
      const frameSamples = (SESSION_SAMPLE_RATE * FRAME_MS) / 1000;
      // When the source's queue runs dry: a frame pushed later than that leaves a gap the caller hears.
      let drainsAt = Infinity;
      const sendFrame = async (chunk: Int16Array): Promise<void> => {
        if (pushedSamples === 0) options.onPlaybackStart?.();
        if (this.agentAudioListeners.size > 0) {
          const delayMs = this.source.queuedDuration;
          for (const listener of this.agentAudioListeners) listener({ kind: 'audio', samples: chunk, sampleRate: SESSION_SAMPLE_RATE, delayMs });
        }
        const late = performance.now() - drainsAt;
        if (late > 0) this.opts.onPlaybackGap?.(late);
        const capturing = this.source.captureFrame(new AudioFrame(chunk, SESSION_SAMPLE_RATE, 1, chunk.length));
        // Read as the frame is queued (captureFrame counts it synchronously): after the await, a
        // stall while waiting would already be forgotten.
        drainsAt = performance.now() + this.source.queuedDuration;
        await capturing;
        pushedSamples += chunk.length;
      };
      // Whole FRAME_MS blocks; what is left of a chunk waits for the next one.
      let carry = new Int16Array(0);
      let next = first;
      while (!next.done && !stop) {
        const pcm = carry.length > 0 ? concatSamples(carry, next.value) : next.value;
        let offset = 0;
        for (; offset + frameSamples <= pcm.length && !stop; offset += frameSamples) {
          // slice, not subarray: rtc-node sends a frame's whole underlying ArrayBuffer, ignoring byteOffset.
          await sendFrame(pcm.slice(offset, offset + frameSamples));
        }
        carry = pcm.slice(offset);
        if (stop) break;
        const upcoming = await Promise.race([iterator.next(), stopped.then(() => undefined)]);
        if (upcoming === undefined) break;
        next = upcoming;
      }
      if (!stop && carry.length > 0) await sendFrame(carry);
      if (!stop) await Promise.race([this.source.waitForPlayout(), stopped]);
      // A frame captured while stopping may have slipped in after the first clear.
      if (stop) {
        if (!this.source.closed) this.source.clearQueue();
      } else {
        playedMs = (pushedSamples / SESSION_SAMPLE_RATE) * 1000;
      }
    } finally {
      closeSource();
      clearInterval(progress);
      this.keys.listeners.delete(onDigit);
      this.endListeners.delete(onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (bargeIn && stopHearing) {
        if ((stop as Stop | undefined)?.kind === 'speech' && !this.ended) {
          // Keep capturing until listen() takes it over.
          const timer = setTimeout(() => this.takeBargeInCapture()?.unsubscribe(), BARGE_IN_KEEP_MS).unref();
          this.bargeInCapture = { detector: bargeIn, unsubscribe: stopHearing, timer };
        } else {
          stopHearing();
          bargeIn.close();
        }
      }
    }

    const result = stop as Stop | undefined;
    if (result?.kind === 'abort') throw result.reason;
    if (result?.kind === 'ended') throw new MediaSessionEndedError(result.reason);
    if (result?.kind === 'digit' || result?.kind === 'speech') return { interrupted: true, interruptedBy: result.kind, playedMs: Math.round(playedMs) };
    return { interrupted: false, playedMs: Math.round(playedMs) };
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
