/**
 * Media activities: the workflow's hands in the call's LiveKit room. `attachMedia` runs on the
 * shared `media` queue and makes this worker own the call's session; the node activities
 * (say, menu, hangup) run on this worker's own queue, where that session lives.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../../lib/logger';
import type { BlobStore } from '../../lib/blob-store';
import { randomUUID } from 'node:crypto';
import { agentIdentity, type MediaSession, type PcmAudio, type SpeechToText, type TextToSpeech } from './types';
import type { ProviderEvent } from './providers/fallback';
import { assetKey, recordingKey } from '../../lib/blob-store';
import { redactSensitive } from '../../lib/privacy/redact';
import { decodeWav, encodeWav } from '../../lib/wav';
import { CallRecorder } from './call-recorder';
import { freeSpeechTurn, GRAMMAR_EARLY_END_PAUSE_MS } from './stt/utterance-listener';
import { FallbackChatModel, OpenAiChatModel, type ChatModel, type ChatModelEvent, type ChatRequest } from '../agent/chat-model';
import { speakReply } from '../agent/speak-reply';
import { EarlyAnswer } from '../agent/early-answer';
import type {
  AgentReplyInput,
  AgentReplyResult,
  AttachMediaInput,
  AttachMediaResult,
  CallVoice,
  HangupInput,
  ListenInput,
  ListenResult,
  MediaActivities,
  MenuInput,
  MenuResult,
  PlayInput,
  ProviderEventsResult,
  ProviderFallbackRecord,
  RecordVoicemailInput,
  RecordVoicemailResult,
  SayActivityResult,
  SayInput,
  TransferInput,
  TransferResult,
} from './contract';


/**
 * Attempts of a call's attach that a worker declared lost for that call turns down (about 1.5 s
 * of retries), leaving them to other workers; after that it takes the call back rather than none.
 */
export const AVOIDED_WORKER_ATTEMPTS = 5;


export interface MediaActivityDeps {
  workerId: string;
  /** This worker's own task queue. */
  taskQueue: string;
  /** This worker's watch address (workers/media-watch.ts); attachMedia hands it on. */
  watchUrl?: string;
  joinRoom(roomName: string, identity: string): Promise<MediaSession>;
  /** Tells the call's workflow that the caller left (a signal); errors are the caller's to log. */
  notifyCallerHungUp(callId: string): Promise<void>;
  /** False while draining: the worker takes no new calls. */
  acceptingCalls(): boolean;
  /** Uploaded audio (play) and recordings (voicemail). */
  blobs: BlobStore;
  /** Cold-transfers a SIP participant (SIP REFER through LiveKit); rejects with the reason it failed. */
  transferCall(roomName: string, participantIdentity: string, to: string, options: { ringingTone: boolean }): Promise<void>;
  logger: Logger;
  /** Interval of activity heartbeats, in ms. */
  heartbeatIntervalMs?: number;
  /** How long joining the call's room may take before the attempt fails and is retried (JOIN_TIMEOUT_MS). */
  joinTimeoutMs?: number;
  /**
   * Called with each turn's latency: from the end of the caller's input (a key, the end of speech)
   * to the first audio of the next prompt, in ms. Feeds the turn latency histogram.
   */
  onTurn?: (input: 'digit' | 'speech', latencyMs: number) => void;
  /** How long an attach waited for the caller to hear the agent, and whether they did (HEARD_WAIT_MS). */
  onCallerHeard?: (waitedMs: number, heard: boolean) => void;
  /**
   * Provider chains for a call: `preferred` first, the worker's other providers as fallbacks;
   * `onEvent` hears the chain's retries and fallbacks. Without it the session's own providers
   * (JoinOptions) serve every call.
   */
  providers?: {
    tts(preferred: string | undefined, onEvent: (event: ProviderEvent) => void): TextToSpeech;
    stt(preferred: string | undefined, onEvent: (event: ProviderEvent) => void): SpeechToText;
  };
  /** AI agent steps: the worker's default endpoint and key, and how to open a workspace's sealed key. */
  agent?: {
    /** LLM_BASE_URL. */
    baseUrl: string;
    /** LLM_API_KEY. */
    apiKey?: string;
    /** Opens a key stored in a workspace's connections; throws when it cannot. */
    unsealKey(sealed: string, workspaceId: string, credential: string): string;
    /** Retry and timeout policy of model calls (tests shorten it). */
    retry?: { maxAttempts?: number; initialBackoffMs?: number };
  };
}

interface SessionEntry {
  session: MediaSession;
  voice: CallVoice;
  /** This call's provider chains by kind and preferred provider (each keeps the provider that took over). */
  chains: Map<string, TextToSpeech | SpeechToText>;
  /** Fallbacks not yet reported to the workflow. */
  providerEvents: ProviderFallbackRecord[];
  /** Records both sides of the call while this worker holds it. */
  recording?: { recordingId: string; recorder: CallRecorder; unsubscribe: Array<() => void> };
  callerLeft: boolean;
  ending: boolean;
  leftListeners: Set<() => void>;
  /** When the caller's last input ended (performance.now()), until the next prompt starts. */
  inputEnded?: { at: number; input: 'digit' | 'speech' };
  /** When the running activity's first prompt started playing (performance.now()); heartbeats report it. */
  audioStartedAt?: number;
  /** An AI agent's answer asked for at the end of the caller's turn, for the `agentReply` that follows. */
  earlyAnswer?: EarlyAnswer;
}

/** The calls this worker owns, by call id. */
export class SessionRegistry {
  readonly entries = new Map<string, SessionEntry>();
  /** Calls this worker has joined since it started (new sessions, not re-attaches to one it holds). */
  taken = 0;
  get size(): number {
    return this.entries.size;
  }
  /** How long the call's running activity has played audio, or undefined (none playing, no such call). */
  audioMs(callId: string): number | undefined {
    const started = this.entries.get(callId)?.audioStartedAt;
    return started === undefined ? undefined : Math.round(performance.now() - started);
  }
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.entries.values()].map(async (entry) => {
      await stopRecording(entry);
      await entry.session.close();
    }));
    this.entries.clear();
  }
}

/** Stops the call's recording on this worker and saves its part a last time. */
async function stopRecording(entry: SessionEntry): Promise<void> {
  const recording = entry.recording;
  if (!recording) return;
  entry.recording = undefined;
  for (const unsubscribe of recording.unsubscribe) unsubscribe();
  await recording.recorder.stop();
}

const callerHungUp = () => ApplicationFailure.nonRetryable('The caller hung up', 'CallerHungUp');

/**
 * Deadline of joining a call's room. rtc-node's connect can stall without failing; a join that
 * has not completed by then fails the attempt (retryable: the shared queue hands the retry to any
 * worker) and the late session, if it ever connects, is closed.
 */
export const JOIN_TIMEOUT_MS = 4000;

/** How long an attach waits for the caller to subscribe to the agent's voice before speaking anyway. */
export const HEARD_WAIT_MS = 1500;

/** Joins within `timeoutMs`, or fails retryably and closes whatever connects late. */
async function joinWithin(join: Promise<MediaSession>, timeoutMs: number): Promise<MediaSession> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(ApplicationFailure.retryable(`Joining the call's room took longer than ${timeoutMs} ms`, 'JoinTimedOut')), timeoutMs);
  });
  try {
    return await Promise.race([join, deadline]);
  } catch (error) {
    void join.then((late) => late.close()).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Silence that ends a spoken menu choice. */
const MENU_END_SILENCE_MS = 700;
const MENU_MAX_SPEECH_MS = 6000;
/** Below this the recognizer's guess counts as not understood (noMatch). */
const MIN_MENU_CONFIDENCE = 0.3;
/** A voicemail shorter or quieter than this is "no audio". */
const MIN_VOICEMAIL_MS = 500;
const MIN_VOICEMAIL_DBFS = -50;

/** The tone before a recording: 1 kHz for 400 ms. */
function beep(): PcmAudio {
  const sampleRate = 16_000;
  const samples = new Int16Array((sampleRate * 400) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / sampleRate));
  return { sampleRate, samples };
}

function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return 20 * Math.log10(Math.sqrt(sum / samples.length) / 32768);
}

export function createMediaActivities(deps: MediaActivityDeps, sessions = new SessionRegistry()): MediaActivities {
  // Heartbeats far more often than the workflow's heartbeat timeout: the SDK sends at most one per
  // 0.8 × timeout anyway, and a pending one is always there to send.
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 200;
  const joinTimeoutMs = deps.joinTimeoutMs ?? JOIN_TIMEOUT_MS;
  /** Uploaded audio is immutable: keep a few decoded files. */
  const assetCache = new Map<string, PcmAudio>();
  async function loadAsset(assetId: string): Promise<PcmAudio> {
    const cached = assetCache.get(assetId);
    if (cached) return cached;
    const bytes = await deps.blobs.get(assetKey(assetId));
    if (!bytes) throw ApplicationFailure.nonRetryable('The audio file of this node is missing from storage', 'AssetMissing');
    const audio = decodeWav(bytes);
    if (assetCache.size >= 32) assetCache.delete(assetCache.keys().next().value as string);
    assetCache.set(assetId, audio);
    return audio;
  }
  const identity = agentIdentity(deps.workerId);
  /** Who holds the call, as attachMedia answers it. */
  const owner = (): Pick<AttachMediaResult, 'taskQueue' | 'workerId' | 'watchUrl'> => ({
    taskQueue: deps.taskQueue,
    workerId: deps.workerId,
    ...(deps.watchUrl ? { watchUrl: deps.watchUrl } : {}),
  });
  /** attachMedia attempts in progress on this worker, by call id. */
  const attaching = new Map<string, Promise<AttachMediaResult>>();

  /** Marks the end of the caller's input; the next prompt's first audio closes the turn. */
  function inputEnded(entry: SessionEntry, input: 'digit' | 'speech', at = performance.now()): void {
    entry.inputEnded = { at, input };
  }
  /** `onPlaybackStart` for a prompt on this call: records the turn's latency when an input is pending. */
  function promptStart(entry: SessionEntry): () => void {
    return () => {
      entry.audioStartedAt ??= performance.now();
      const pending = entry.inputEnded;
      if (!pending) return;
      entry.inputEnded = undefined;
      deps.onTurn?.(pending.input, performance.now() - pending.at);
    };
  }
  function chainFor(entry: SessionEntry, kind: 'tts', preferred: string | undefined): { tts?: TextToSpeech };
  function chainFor(entry: SessionEntry, kind: 'stt', preferred: string | undefined): { stt?: SpeechToText };
  /** The call's chain for a node's (or else the call's) preferred provider; {} without per-call providers. */
  function chainFor(entry: SessionEntry, kind: 'tts' | 'stt', preferred: string | undefined): { tts?: TextToSpeech; stt?: SpeechToText } {
    const providers = deps.providers;
    if (!providers) return {};
    const wanted = preferred ?? (kind === 'tts' ? entry.voice.ttsProvider : entry.voice.sttProvider);
    const key = `${kind}:${wanted ?? ''}`;
    let chain = entry.chains.get(key);
    if (!chain) {
      const onEvent = (event: ProviderEvent): void => {
        if (event.type !== 'providerFallback') return;
        entry.providerEvents.push({ kind: event.kind, from: event.from, ...(event.to ? { to: event.to } : {}), reason: event.reason });
      };
      chain = kind === 'tts' ? providers.tts(wanted, onEvent) : providers.stt(wanted, onEvent);
      entry.chains.set(key, chain);
    }
    return kind === 'tts' ? { tts: chain as TextToSpeech } : { stt: chain as SpeechToText };
  }
  /** Language of recognition: the node's, else the call's. */
  function listenLanguage(entry: SessionEntry, language: string | undefined): { language?: string } {
    const chosen = language ?? entry.voice.language;
    return chosen ? { language: chosen } : {};
  }
  /** Voice and language of a prompt: the node's, else the call's. */
  function spoken(entry: SessionEntry, node: { voice?: string; language?: string; ttsProvider?: string }) {
    const voice = node.voice ?? entry.voice.voice;
    const language = node.language ?? entry.voice.language;
    return { ...(voice ? { voice } : {}), ...(language ? { language } : {}), ...chainFor(entry, 'tts', node.ttsProvider) };
  }

  /** Endpoint clients by base URL and key (kept for the worker's life: a client holds a connection pool). */
  const chatClients = new Map<string, ChatModel>();
  /** The model chain of an AI agent step: its connection, then its fallback, each with its key. */
  function agentModel(input: AgentReplyInput, entry: SessionEntry): ChatModel {
    const agent = deps.agent;
    if (!agent) throw ApplicationFailure.nonRetryable('This media worker has no language model settings', 'AgentUnavailable');
    const choices = input.connections.map((connection, index) => {
      const baseUrl = connection.baseUrl ?? agent.baseUrl;
      const apiKey = connection.sealedKey ? agent.unsealKey(connection.sealedKey, input.workspaceId, connection.credential) : (agent.apiKey ?? '');
      const key = `${baseUrl}\n${apiKey}`;
      let client = chatClients.get(key);
      if (!client) {
        client = new OpenAiChatModel({ baseUrl, apiKey, label: `${index === 0 ? 'llm' : 'llm-fallback'}(${new URL(baseUrl).host})` });
        chatClients.set(key, client);
      }
      return { model: client, modelName: connection.model };
    });
    return new FallbackChatModel(choices, {
      timeoutMs: input.timeoutMs,
      firstTokenTimeoutMs: Math.min(input.timeoutMs, 10_000),
      ...(agent.retry?.maxAttempts ? { maxAttempts: agent.retry.maxAttempts } : {}),
      ...(agent.retry?.initialBackoffMs !== undefined ? { initialBackoffMs: agent.retry.initialBackoffMs } : {}),
      onEvent: (event: ChatModelEvent) => {
        deps.logger.warn({ provider: event }, `language model ${event.type === 'providerRetry' ? 'retry' : 'fallback'}`);
        if (event.type === 'providerFallback') entry.providerEvents.push({ kind: 'llm', from: event.from, ...(event.to ? { to: event.to } : {}), reason: event.reason });
      },
    });
  }

  /** The model request of an `agentReply` input. */
  const chatRequest = (input: AgentReplyInput): ChatRequest => ({
    model: input.connections[0]?.model ?? '',
    messages: input.messages,
    tools: input.tools,
    temperature: input.temperature,
    maxTokens: input.maxTokens,
  });

  /**
   * An AI agent turn heard `transcript` (null: nothing, or the words were taken back): asks the
   * model now for the answer the workflow will ask for next, the caller's words added as it adds
   * them. A different answer already asked for is cancelled.
   */
  function answerEarly(entry: SessionEntry, reply: AgentReplyInput, transcript: string | null, redact: boolean | undefined): void {
    const said = transcript && (redact ? redactSensitive(transcript).text : transcript).trim();
    const input: AgentReplyInput | undefined = said ? { ...reply, messages: [...reply.messages, { role: 'user', content: said }] } : undefined;
    if (input && entry.earlyAnswer?.answers(input)) return;
    entry.earlyAnswer?.cancel();
    entry.earlyAnswer = undefined;
    if (!input) return;
    try {
      entry.earlyAnswer = new EarlyAnswer(input, agentModel(input, entry), chatRequest(input));
    } catch {
      // No model settings or an unreadable key: agentReply reports it the usual way.
    }
  }

  /** Marks the input a listen() heard: a key, or speech (ending at the recognizer's speech end). */
  function heardInput(entry: SessionEntry, listenStarted: number, heard: { transcript: string | null; digit?: string; speechEndMs?: number }): void {
    if (heard.digit) inputEnded(entry, 'digit');
    else if (heard.transcript !== null) inputEnded(entry, 'speech', heard.speechEndMs === undefined ? performance.now() : listenStarted + heard.speechEndMs);
  }

  /** Runs `work` on the call's session, heartbeating, and failing fast when the caller hangs up. */
  async function withSession<T>(
    callId: string,
    work: (session: MediaSession, signal: AbortSignal, entry: SessionEntry) => Promise<T>,
    options: { finishOnHangUp?: boolean } = {},
  ): Promise<T> {
    const entry = sessions.entries.get(callId);
    if (!entry) throw ApplicationFailure.nonRetryable('This media worker has no session for the call', 'MediaSessionMissing');
    if (entry.callerLeft) throw callerHungUp();
    const context = Context.current();
    const abort = new AbortController();
    const onCancel = () => abort.abort(context.cancellationSignal.reason);
    // A recording keeps what it has when the caller hangs up; everything else stops at once.
    const onLeft = () => (options.finishOnHangUp ? undefined : abort.abort(new Error('caller hung up')));
    context.cancellationSignal.addEventListener('abort', onCancel);
    entry.leftListeners.add(onLeft);
    // Heartbeat details tell the workflow, should this worker be lost, how much audio the caller heard.
    entry.audioStartedAt = undefined;
    const beat = () => context.heartbeat(entry.audioStartedAt === undefined ? undefined : { audioMs: Math.round(performance.now() - entry.audioStartedAt) });
    const ticker = setInterval(beat, heartbeatIntervalMs);
    beat();
    try {
      const result = await work(entry.session, abort.signal, entry);
      // Fallbacks since the last report go back with this result (the workflow records them).
      if (entry.providerEvents.length > 0 && result && typeof result === 'object') {
        (result as ProviderEventsResult).providerEvents = entry.providerEvents.splice(0);
      }
      return result;
    } catch (error) {
      if (entry.callerLeft) throw callerHungUp();
      throw error;
    } finally {
      clearInterval(ticker);
      entry.leftListeners.delete(onLeft);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    }
  }

  /** attachMedia after its checks: joins (bounded), waits for the caller, starts recording. */
  async function attach(context: Context, { callId, roomName, waitForCallerMs, voice, recording }: Omit<AttachMediaInput, 'avoidWorkers'>): Promise<AttachMediaResult> {
    const session = await joinWithin(deps.joinRoom(roomName, identity), joinTimeoutMs);
    if (context.cancellationSignal.aborted) {
      // This attempt timed out meanwhile (the workflow has moved on): leave the room again.
      await session.close();
      throw ApplicationFailure.retryable('The attach attempt was cancelled while joining', 'JoinCancelled');
    }
    const entry: SessionEntry = {
      session,
      voice: voice ?? {},
      chains: new Map(),
      providerEvents: [],
      callerLeft: false,
      ending: false,
      leftListeners: new Set(),
    };
    const started = Date.now();
    // The greeting is the first node after attach: wait here until the caller can hear it
    // (for a SIP caller, until its call is answered: sip.callStatus = active).
    while (!(session.callerReady ?? session.callerPresent)) {
      if (Date.now() - started > waitForCallerMs || context.cancellationSignal.aborted) {
        await session.close();
        const why = session.callerPresent ? 'No caller call became active' : 'No caller joined the room';
        throw ApplicationFailure.nonRetryable(`${why} within ${waitForCallerMs} ms`, 'CallerNeverJoined');
      }
      context.heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // The caller hears this worker only once subscribed to its voice, which can take a second on a
    // busy server after a hand-over: speaking before that cuts the start of the first prompt (or all
    // of it, if a key ends it first). Bounded: a caller that never subscribes is spoken to anyway.
    let heard: Pick<AttachMediaResult, 'callerHeardAfterMs'> = {};
    if (session.waitUntilHeard) {
      const waitedFrom = performance.now();
      const reached = await session.waitUntilHeard(HEARD_WAIT_MS, context.cancellationSignal);
      const waitedMs = Math.round(performance.now() - waitedFrom);
      deps.onCallerHeard?.(waitedMs, reached);
      if (context.cancellationSignal.aborted) {
        // This attempt timed out meanwhile (the workflow has moved on): leave the room again.
        await session.close();
        throw ApplicationFailure.retryable('The attach attempt was cancelled while waiting for the caller to hear it', 'JoinCancelled');
      }
      if (reached) heard = { callerHeardAfterMs: waitedMs };
      else deps.logger.warn({ callId, waitedMs }, 'the caller has not subscribed to the agent’s voice; speaking anyway');
    }
    session.onCallerLeft(() => {
      entry.callerLeft = true;
      entry.earlyAnswer?.cancel(); // nobody left to answer
      void stopRecording(entry);
      for (const listener of entry.leftListeners) listener();
      if (sessions.entries.get(callId) === entry) sessions.entries.delete(callId);
      void session.close();
      if (!entry.ending) {
        deps.logger.info({ callId }, 'caller left the room');
        deps.notifyCallerHungUp(callId).catch((error: Error) =>
          deps.logger.warn({ callId, err: error.message }, 'could not signal the hang-up to the call workflow'),
        );
      }
    });
    session.onRemoved?.(() => {
      // This worker lost the room (another took the call over and removed it, or it was cut off): stop, quietly.
      for (const listener of entry.leftListeners) listener();
      entry.earlyAnswer?.cancel(); // the worker that holds the call now asks again
      void stopRecording(entry);
      if (sessions.entries.get(callId) === entry) sessions.entries.delete(callId);
      void session.close();
      deps.logger.warn({ callId }, 'media session lost its room (taken over by another worker, or cut off): session ended');
    });
    sessions.entries.set(callId, entry);
    sessions.taken++;
    // No room name: LiveKit SIP names a caller's room after their number (`call_<number>_<id>`).
    deps.logger.info({ callId }, 'media session attached');
    if (!recording) return { ...owner(), ...heard };

    // Recording: the caller is told first (once per call), then both sides are recorded.
    let consentPlayedMs: number | undefined;
    if (recording.consentPrompt) {
      try {
        const played = await session.say(recording.consentPrompt, { interruptible: false, signal: context.cancellationSignal, ...spoken(entry, {}) });
        consentPlayedMs = played.playedMs;
      } catch (error) {
        if (entry.callerLeft) throw callerHungUp();
        throw error;
      }
    }
    const recorder = new CallRecorder({
      save: (wav) => deps.blobs.put(recordingKey(recording.recordingId), wav),
      onSaveError: (error) => deps.logger.warn({ callId, err: (error as Error).message }, 'could not save the call recording part'),
    });
    entry.recording = {
      recordingId: recording.recordingId,
      recorder,
      unsubscribe: [session.onCallerAudio(recorder.onCaller), session.onAgentAudio(recorder.onAgent)],
    };
    deps.logger.info({ callId, part: recording.part }, 'call recording started');
    return {
      ...owner(),
      ...heard,
      recording: { recordingId: recording.recordingId, ...(consentPlayedMs !== undefined ? { consentPlayedMs } : {}) },
    };
  }

  return {
    async attachMedia({ callId, roomName, waitForCallerMs, voice, recording, avoidWorkers }: AttachMediaInput): Promise<AttachMediaResult> {
      if (!deps.acceptingCalls()) {
        // Retryable: another worker on the shared queue takes the retry.
        throw ApplicationFailure.retryable('This media worker is draining and takes no new calls', 'WorkerDraining');
      }
      const avoided = avoidWorkers?.includes(deps.workerId) === true;
      if (avoided && Context.current().info.attempt <= AVOIDED_WORKER_ATTEMPTS) {
        // The workflow took this call from this worker (declared lost): another worker takes the
        // retry. Only when no other worker comes forward (every worker looked lost at once, as when
        // the Temporal server restarts) does this one take the call back, with a new session.
        throw ApplicationFailure.retryable('This media worker was declared lost for this call', 'WorkerAvoided');
      }
      const existing = sessions.entries.get(callId);
      if (existing && avoided) {
        sessions.entries.delete(callId);
        void existing.session.close();
      }
      if (existing && !existing.callerLeft && existing.session.callerPresent) {
        return { ...owner(), ...(existing.recording ? { recording: { recordingId: existing.recording.recordingId } } : {}) };
      }
      if (existing) {
        // A session that ended without this worker noticing (its room connection dropped): start afresh.
        sessions.entries.delete(callId);
        void existing.session.close();
      }

      const context = Context.current();
      // Heartbeats throughout (join, waiting for the caller, the consent prompt), so a stopped worker
      // holding this task is noticed within the heartbeat timeout; the join itself is bounded.
      const beating = setInterval(() => context.heartbeat(), heartbeatIntervalMs);
      context.heartbeat();
      try {
        // A retry that lands here while an earlier attempt still joins waits for it: a second join
        // under the same identity would push the first out of the room.
        const earlier = attaching.get(callId);
        if (earlier) return await earlier;
        const attached = attach(context, { callId, roomName, waitForCallerMs, voice, recording });
        attaching.set(callId, attached);
        try {
          return await attached;
        } finally {
          if (attaching.get(callId) === attached) attaching.delete(callId);
        }
      } finally {
        clearInterval(beating);
      }
    },

    async say(input: SayInput): Promise<SayActivityResult> {
      return withSession(input.callId, (session, signal, entry) =>
        session.say(input.text, {
          interruptible: input.interruptible,
          signal,
          onPlaybackStart: promptStart(entry),
          ...spoken(entry, input),
        }),
      );
    },

    async play(input: PlayInput): Promise<SayActivityResult> {
      return withSession(input.callId, async (session, signal, entry) => {
        const audio = await loadAsset(input.assetId);
        return session.playAudio(audio, { interruptible: input.interruptible, signal, onPlaybackStart: promptStart(entry) });
      });
    },

    async menu(input: MenuInput): Promise<MenuResult> {
      return withSession(input.callId, async (session, signal, entry) => {
        // A menu that understands speech lets the caller talk over its prompt; what they say is heard.
        const played = await session.say(input.prompt, {
          interruptible: input.interruptible,
          bargeInOnSpeech: Boolean(input.speech),
          signal,
          onPlaybackStart: promptStart(entry),
          ...spoken(entry, { ...(input.ttsProvider ? { ttsProvider: input.ttsProvider } : {}) }),
        });
        if (!input.speech) {
          const digit = await session.nextDigit(input.timeoutMs, { signal });
          if (digit) inputEnded(entry, 'digit');
          return { ...played, digit };
        }
        // A key or a spoken option, whichever comes first; the workflow matches the words to an option.
        const listenStarted = performance.now();
        const heard = await session.listen({
          noSpeechTimeoutMs: input.timeoutMs,
          endSilenceMs: input.endSilenceMs ?? MENU_END_SILENCE_MS,
          maxDurationMs: MENU_MAX_SPEECH_MS,
          grammar: input.speech.phrases,
          // A whole option said and a short pause: the turn ends there (the full silence otherwise).
          earlyEnd: { pauseMs: GRAMMAR_EARLY_END_PAUSE_MS, minConfidence: MIN_MENU_CONFIDENCE },
          ...listenLanguage(entry, input.speech.language),
          ...chainFor(entry, 'stt', input.sttProvider),
          signal,
        });
        heardInput(entry, listenStarted, heard);
        if (heard.digit) return { ...played, digit: heard.digit };
        const understood = heard.transcript !== null && heard.confidence >= MIN_MENU_CONFIDENCE ? heard.transcript : null;
        const said = understood ?? (heard.transcript ? '' : null);
        return { ...played, digit: null, transcript: input.redact && said ? redactSensitive(said).text : said };
      });
    },

    async listen(input: ListenInput): Promise<ListenResult> {
      return withSession(input.callId, async (session, signal, entry) => {
        if (input.prompt) {
          await session.say(input.prompt, {
            interruptible: true,
            bargeInOnSpeech: true,
            signal,
            onPlaybackStart: promptStart(entry),
            ...spoken(entry, { ...(input.language ? { language: input.language } : {}), ...(input.ttsProvider ? { ttsProvider: input.ttsProvider } : {}) }),
          });
        }
        const listenStarted = performance.now();
        const reply = input.answerEarly;
        const listening = session.listen({
          noSpeechTimeoutMs: input.noSpeechTimeoutMs,
          endSilenceMs: input.endSilenceMs,
          maxDurationMs: input.maxDurationMs,
          hints: input.hints,
          // A short pause after what sounds like a finished sentence ends the turn (the full silence otherwise).
          ...freeSpeechTurn(input.endOnFinishedSentence),
          ...listenLanguage(entry, input.language),
          ...chainFor(entry, 'stt', input.sttProvider),
          ...(reply ? { onTentative: (words: string | null) => answerEarly(entry, reply, words, input.redact) } : {}),
          signal,
        });
        // A turn that failed or was cancelled is not answered.
        if (reply) listening.catch(() => answerEarly(entry, reply, null, undefined));
        const heard = await listening;
        heardInput(entry, listenStarted, heard);
        if (reply) answerEarly(entry, reply, heard.digit ? null : heard.transcript, input.redact);
        const transcript = input.redact && heard.transcript ? redactSensitive(heard.transcript).text : heard.transcript;
        return { transcript, confidence: heard.confidence, ...(heard.digit ? { digit: heard.digit } : {}) };
      });
    },

    async recordVoicemail(input: RecordVoicemailInput): Promise<RecordVoicemailResult> {
      return withSession(
        input.callId,
        async (session, signal, entry) => {
          await session.say(input.prompt, { interruptible: false, signal, onPlaybackStart: promptStart(entry), ...spoken(entry, {}) });
          if (input.beep) await session.playAudio(beep(), { interruptible: false, signal });
          session.clearDigits();
          const recording = await session.recordCaller({
            maxDurationMs: input.maxDurationMs,
            silenceTimeoutMs: input.silenceTimeoutMs,
            finishKey: input.finishKey,
            signal,
          });
          if (recording.durationMs < MIN_VOICEMAIL_MS || rmsDbfs(recording.audio.samples) < MIN_VOICEMAIL_DBFS) {
            return { recordingId: null, durationMs: recording.durationMs, endedBy: recording.endedBy };
          }
          const recordingId = `${input.callId}-${input.nodeId}-${randomUUID().slice(0, 8)}`;
          await deps.blobs.put(recordingKey(recordingId), encodeWav(recording.audio));
          deps.logger.info({ callId: input.callId, durationMs: recording.durationMs, endedBy: recording.endedBy }, 'voicemail recorded');
          return { recordingId, durationMs: recording.durationMs, endedBy: recording.endedBy };
        },
        { finishOnHangUp: true },
      );
    },

    async transfer(input: TransferInput): Promise<TransferResult> {
      return withSession(input.callId, async (session, signal, entry) => {
        if (input.announcement) await session.say(input.announcement, { interruptible: false, signal, onPlaybackStart: promptStart(entry), ...spoken(entry, {}) });
        const identity = session.callerIdentity;
        if (!identity) return { transferred: false, error: 'The caller is no longer in the room' };
        const target = input.to.startsWith('sip') ? input.to : `tel:${input.to}`;
        entry.ending = true; // the caller leaving now is the transfer, not a hang-up
        try {
          await deps.transferCall(session.roomName, identity, target, { ringingTone: input.ringingTone });
        } catch (error) {
          entry.ending = false;
          return { transferred: false, error: (error as Error).message };
        }
        sessions.entries.delete(input.callId);
        await stopRecording(entry);
        await session.close();
        deps.logger.info({ callId: input.callId }, 'call transferred');
        return { transferred: true };
      });
    },

    async agentReply(input: AgentReplyInput): Promise<AgentReplyResult> {
      return withSession(input.callId, async (session, signal, entry) => {
        // The answer may already be streaming, asked for when the caller's turn ended (see listen).
        const early = entry.earlyAnswer;
        entry.earlyAnswer = undefined;
        const taken = early?.answers(input) ? early : undefined;
        if (!taken) early?.cancel();
        let model: ChatModel;
        try {
          model = taken ? taken.take() : agentModel(input, entry);
        } catch (error) {
          if (error instanceof ApplicationFailure) throw error;
          // A stored key sealed with another SWITCHBOARD_SECRET_KEY than this worker's (or damaged).
          deps.logger.warn({ callId: input.callId, err: (error as Error).message }, 'AI agent: the stored language model key could not be opened');
          return { heard: '', interrupted: false, toolCalls: [], playedMs: 0, error: "The stored language model key could not be opened: is this media worker's SWITCHBOARD_SECRET_KEY the API's?" };
        }
        const reply = await speakReply({
          model,
          request: chatRequest(input),
          signal,
          ...(taken ? { startedAt: taken.startedAt } : {}),
          say: (sentence, onPlaybackStart) => {
            const turnStart = promptStart(entry);
            return session.say(sentence, {
              interruptible: true,
              bargeInOnSpeech: true,
              signal,
              onPlaybackStart: () => {
                onPlaybackStart();
                turnStart();
              },
              ...spoken(entry, input),
            });
          },
        });
        if (reply.error) deps.logger.warn({ callId: input.callId, reason: reply.error }, 'AI agent model failed');
        return reply;
      });
    },

    async hangup(input: HangupInput): Promise<void> {
      const entry = sessions.entries.get(input.callId);
      if (!entry || entry.callerLeft) return; // nobody left to hang up on
      entry.ending = true;
      if (input.farewell) {
        await withSession(input.callId, (session, signal) => session.say(input.farewell as string, { interruptible: false, signal, onPlaybackStart: promptStart(entry), ...spoken(entry, {}) }));
      }
      await stopRecording(entry);
      await entry.session.hangup();
      sessions.entries.delete(input.callId);
      deps.logger.info({ callId: input.callId }, 'call hung up by the flow');
    },
  };
}

