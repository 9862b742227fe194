/**
 * One answer of the model, spoken as it streams: each finished sentence goes to speech synthesis
 * while the model is still writing the next, so the caller hears the first words early. When the
 * caller talks over it (barge-in), speech stops, the rest of the answer is cancelled, and only
 * what the caller heard is kept.
 */
import type { SayResult } from '../media/types';
import { toProviderError } from '../media/providers/errors';
import { AllModelsFailedError, type ChatModel, type ChatRequest, type ChatToolCall } from './chat-model';

/** What the caller heard of one answer, and what the model asked for. */
export interface SpokenReply {
  /** The sentences the caller heard (an interrupted one cut where speech stopped, with "…"). */
  heard: string;
  interrupted: boolean;
  /** The answer's tool calls; none when the caller interrupted (the answer was cancelled). */
  toolCalls: ChatToolCall[];
  /** Audio played, in ms. */
  playedMs: number;
  /** From the request to the first audio, in ms (absent when nothing was said). */
  firstAudioMs?: number;
  /** From the request to the model's first text, in ms. */
  firstTextMs?: number;
  /** The request was sent this long before the reply began: an early answer, asked for at the end of the caller's turn. */
  askedEarlyMs?: number;
  usage?: { promptTokens: number; completionTokens: number };
  /** Why the model failed (before or during the answer); names endpoints and reasons, no conversation. */
  error?: string;
}

/** Speaking rate used to guess how much of a cut sentence was heard. */
const WORDS_PER_SECOND = 2.6;
/** A sentence ends at . ! ? or a line break, followed by space. */
const SENTENCE_END = /[.!?…]+["')\]]?\s+|\n+/;
/** Short pieces wait for more text (an abbreviation, "Dr. ", a list number). */
const MIN_SENTENCE_CHARS = 12;

/** Splits off the finished sentences of `buffer`; returns them and the unfinished rest. */
export function takeSentences(buffer: string): { sentences: string[]; rest: string } {
  const sentences: string[] = [];
  let rest = buffer;
  let searchFrom = 0;
  for (;;) {
    const match = SENTENCE_END.exec(rest.slice(searchFrom));
    if (!match) break;
    const end = searchFrom + match.index + match[0].length;
    const sentence = rest.slice(0, end).trim();
    if (sentence.length < MIN_SENTENCE_CHARS) {
      searchFrom = end;
      continue;
    }
    sentences.push(sentence);
    rest = rest.slice(end);
    searchFrom = 0;
  }
  return { sentences, rest };
}

/** The words of `sentence` heard in `playedMs` of speech, with "…" when cut. */
export function heardPart(sentence: string, playedMs: number): string {
  const words = sentence.split(/\s+/).filter(Boolean);
  const count = Math.min(words.length, Math.floor((playedMs / 1000) * WORDS_PER_SECOND));
  return count === 0 ? '' : `${words.slice(0, count).join(' ')}…`;
}

export interface SpeakReplyOptions {
  model: ChatModel;
  request: ChatRequest;
  /** Speaks one sentence (with barge-in on speech); resolves when it ended or was interrupted. */
  say(sentence: string, onPlaybackStart: () => void): Promise<SayResult>;
  signal?: AbortSignal;
  /** When the request was sent, if before this call (an early answer: activities/agent/early-answer.ts). */
  startedAt?: number;
}

export async function speakReply({ model, request, say, signal, startedAt }: SpeakReplyOptions): Promise<SpokenReply> {
  const called = performance.now();
  const started = startedAt ?? called;
  const controller = new AbortController();
  const onOuter = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onOuter, { once: true });

  const queue: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  let toolCalls: ChatToolCall[] = [];
  let usage: SpokenReply['usage'];
  let error: string | undefined;
  let firstTextMs: number | undefined;

  const producer = (async () => {
    let buffer = '';
    try {
      for await (const event of model.stream(request, { signal: controller.signal })) {
        if (event.type === 'text') {
          if (firstTextMs === undefined && event.text.trim()) firstTextMs = performance.now() - started;
          buffer += event.text;
          const { sentences, rest } = takeSentences(buffer);
          buffer = rest;
          if (sentences.length) {
            queue.push(...sentences);
            notify();
          }
        } else if (event.type === 'textDone') {
          // The last sentence may lack the space after its full stop: it is complete all the same.
          if (buffer.trim()) queue.push(buffer.trim());
          buffer = '';
          notify();
        } else {
          toolCalls = event.toolCalls;
          usage = event.usage;
        }
      }
      if (buffer.trim()) queue.push(buffer.trim());
    } catch (failure) {
      if (!controller.signal.aborted || signal?.aborted) error = failure instanceof AllModelsFailedError ? failure.message : toProviderError(model.label, failure).message;
    } finally {
      ended = true;
      notify();
    }
  })();

  const heard: string[] = [];
  let interrupted = false;
  let playedMs = 0;
  let firstAudioMs: number | undefined;
  try {
    for (;;) {
      const sentence = queue.shift();
      if (sentence === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const result = await say(sentence, () => (firstAudioMs ??= performance.now() - started));
      playedMs += result.playedMs;
      if (result.interrupted) {
        interrupted = true;
        const part = heardPart(sentence, result.playedMs);
        if (part) heard.push(part);
        controller.abort(new Error('the caller interrupted'));
        break;
      }
      heard.push(sentence);
    }
  } finally {
    // Speech failed or was cancelled: stop the model too.
    if (!ended) controller.abort(new Error('speech ended'));
    await producer;
    signal?.removeEventListener('abort', onOuter);
  }
  signal?.throwIfAborted();
  return {
    heard: heard.join(' '),
    interrupted,
    toolCalls: interrupted ? [] : toolCalls,
    playedMs,
    ...(firstAudioMs !== undefined ? { firstAudioMs: Math.round(firstAudioMs) } : {}),
    ...(firstTextMs !== undefined ? { firstTextMs: Math.round(firstTextMs) } : {}),
    ...(startedAt !== undefined ? { askedEarlyMs: Math.round(called - startedAt) } : {}),
    ...(usage ? { usage } : {}),
    ...(error ? { error } : {}),
  };
}
