/**
 * The media worker's activity contract: what the workflow sends each media activity and what it
 * gets back, and the activities themselves (`MediaActivities`). Types only: the workflows import
 * it (type-only), activities.ts implements it, tests and the scripted worker stand in for it.
 */
import type { ChatMessage, ChatTool } from '../agent/chat-model';
import type { SpokenReply } from '../agent/speak-reply';

export interface AttachMediaInput {
  callId: string;
  roomName: string;
  /** How long to wait for the caller to be in the room before giving up. */
  waitForCallerMs: number;
  /** The call's speech settings (from its phone trigger); nodes may override the providers. */
  voice?: CallVoice;
  /** Record both sides of the call on this worker as part `part`; plays `consentPrompt` first when given. */
  recording?: { recordingId: string; part: number; consentPrompt?: string };
  /** Workers the call was taken from (declared lost): they refuse it, so another worker takes it. */
  avoidWorkers?: string[];
}
/** A call's speech settings: preferred providers (the worker's others follow as fallbacks), voice, language. */
export interface CallVoice {
  ttsProvider?: string;
  sttProvider?: string;
  /** BCP 47, e.g. `en-US`: used by prompts and recognition that name no language of their own. */
  language?: string;
  voice?: string;
}
/** A provider fallback during a call, as the media worker reports it back (no user content). */
export interface ProviderFallbackRecord {
  kind: 'tts' | 'stt' | 'llm';
  from: string;
  /** Absent when no provider was left. */
  to?: string;
  reason: string;
}
/** Fallbacks since the previous media activity of the call; the workflow records them as call events. */
export interface ProviderEventsResult {
  providerEvents?: ProviderFallbackRecord[];
}
export interface AttachMediaResult {
  taskQueue: string;
  workerId: string;
  /**
   * The worker's watch address (`GET` streams while the process lives; workers/media-watch.ts): the
   * workflow notices at once when the connection drops and the process is gone. Unset: no watch.
   */
  watchUrl?: string;
  /** Set when this worker records the call; `consentPlayedMs` when it played the consent prompt. */
  recording?: { recordingId: string; consentPlayedMs?: number };
  /**
   * How long after the caller was there they could hear this worker (subscribed to its voice), as
   * the attach waited for it. Unset: the session cannot tell, or they did not within HEARD_WAIT_MS.
   */
  callerHeardAfterMs?: number;
}
export interface SayInput {
  callId: string;
  nodeId: string;
  text: string;
  interruptible: boolean;
  voice?: string;
  language?: string;
  /** This node's preferred speech provider (else the call's). */
  ttsProvider?: string;
}
export interface SayActivityResult extends ProviderEventsResult {
  playedMs: number;
  interrupted: boolean;
}
export interface MenuInput {
  callId: string;
  nodeId: string;
  prompt: string;
  /** How long to wait for a key after the prompt. */
  timeoutMs: number;
  interruptible: boolean;
  /** Also listen for a spoken choice among these phrases. */
  speech?: { phrases: string[]; language?: string };
  /** Silence that ends a spoken answer (menus started before this setting: {@link MENU_END_SILENCE_MS}). */
  endSilenceMs?: number;
  /** Replace card numbers and similar in the transcript (lib/privacy/redact.ts). */
  redact?: boolean;
  ttsProvider?: string;
  sttProvider?: string;
}
export interface MenuResult extends SayActivityResult {
  /** The key pressed, or null when none came in time. */
  digit: string | null;
  /** With speech on: what the caller said instead of pressing a key (null: nothing). */
  transcript?: string | null;
}
export interface PlayInput {
  callId: string;
  nodeId: string;
  assetId: string;
  interruptible: boolean;
}
export interface ListenInput {
  callId: string;
  nodeId: string;
  prompt?: string;
  noSpeechTimeoutMs: number;
  endSilenceMs: number;
  /** False: only the whole end silence ends the turn, even after a finished-sounding sentence. */
  endOnFinishedSentence?: boolean;
  maxDurationMs: number;
  hints: string[];
  language?: string;
  /** Replace card numbers and similar in the transcript (lib/privacy/redact.ts). */
  redact?: boolean;
  ttsProvider?: string;
  sttProvider?: string;
  /**
   * An AI agent's turn: the `agentReply` input that follows it, with the conversation before this
   * turn. The media worker asks the model with the caller's words (as the workflow will add them)
   * as soon as it has them, so the answer is already streaming when `agentReply` comes for it.
   */
  answerEarly?: AgentReplyInput;
}
export interface ListenResult extends ProviderEventsResult {
  /** What the caller said; null when they said nothing. */
  transcript: string | null;
  confidence: number;
  /** A key pressed instead of speaking. */
  digit?: string;
}
export interface RecordVoicemailInput {
  callId: string;
  nodeId: string;
  prompt: string;
  beep: boolean;
  maxDurationMs: number;
  finishKey: string;
  silenceTimeoutMs: number;
}
export interface RecordVoicemailResult extends ProviderEventsResult {
  /** Stored recording, or null when the caller said nothing. */
  recordingId: string | null;
  durationMs: number;
  endedBy: 'silence' | 'key' | 'maxDuration' | 'hangup';
}
export interface TransferInput {
  callId: string;
  nodeId: string;
  to: string;
  announcement?: string;
  ringingTone: boolean;
}
export type TransferResult = { transferred: true } | { transferred: false; error: string };
export interface HangupInput {
  callId: string;
  nodeId: string;
  farewell?: string;
}

/** Where an AI agent's model runs: an OpenAI-compatible endpoint, its model, and the key. */
export interface AgentModelConnection {
  /** API root including `/v1`; unset: the worker's LLM_BASE_URL. */
  baseUrl?: string;
  model: string;
  /** The workspace connection named for the key (e.g. `llm`). */
  credential: string;
  /** That connection's key as stored (sealed with SWITCHBOARD_SECRET_KEY); unset: the worker's LLM_API_KEY. */
  sealedKey?: string;
}
export interface AgentReplyInput {
  callId: string;
  nodeId: string;
  workspaceId: string;
  /** The conversation so far, instructions first. */
  messages: ChatMessage[];
  tools: ChatTool[];
  temperature: number;
  maxTokens: number;
  /** One model call (with its streamed answer) fails after this long. */
  timeoutMs: number;
  /** The main connection, then the fallback. */
  connections: AgentModelConnection[];
  voice?: string;
  language?: string;
  ttsProvider?: string;
}
/** What the caller heard of one answer (see SpokenReply), and the provider fallbacks it took. */
export interface AgentReplyResult extends SpokenReply, ProviderEventsResult {}

/** The media worker's activities. attachMedia runs on the shared queue, the rest on the worker's own. */
export interface MediaActivities {
  attachMedia(input: AttachMediaInput): Promise<AttachMediaResult>;
  say(input: SayInput): Promise<SayActivityResult>;
  play(input: PlayInput): Promise<SayActivityResult>;
  menu(input: MenuInput): Promise<MenuResult>;
  listen(input: ListenInput): Promise<ListenResult>;
  recordVoicemail(input: RecordVoicemailInput): Promise<RecordVoicemailResult>;
  transfer(input: TransferInput): Promise<TransferResult>;
  hangup(input: HangupInput): Promise<void>;
  /** One answer of an AI agent step's model, spoken sentence by sentence as it streams. */
  agentReply(input: AgentReplyInput): Promise<AgentReplyResult>;
}
