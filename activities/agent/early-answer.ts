/**
 * An AI agent's answer asked for before the caller's turn has ended. At a pause after what sounds
 * like a finished sentence, the media worker already knows the request the workflow will send next
 * (the conversation so far plus those words), so it sends it to the model there; when the
 * `agentReply` activity then asks for exactly that request, it takes the answer already streaming
 * instead of starting over. The model's time to its first words overlaps the end of the turn and
 * the workflow's hop. An answer nobody takes (the caller went on talking, the words differed, the
 * workflow went elsewhere) is cancelled: it was never spoken, so nothing of it reaches the call.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ChatEvent, ChatModel, ChatRequest } from './chat-model';

/** An early answer nobody took within this time is cancelled. */
export const EARLY_ANSWER_EXPIRY_MS = 15_000;

/** What the answer is for: the exact input the `agentReply` activity will be given. */
export type EarlyAnswerKey = object;

export class EarlyAnswer {
  /** When the request was sent (performance.now()). */
  readonly startedAt = performance.now();
  private readonly key: unknown;
  private readonly events: ChatEvent[] = [];
  private failure: { error: unknown } | undefined;
  private ended = false;
  private taken = false;
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();
  private readonly expiry: NodeJS.Timeout;

  constructor(
    key: EarlyAnswerKey,
    private readonly model: ChatModel,
    request: ChatRequest,
    expireMs = EARLY_ANSWER_EXPIRY_MS,
  ) {
    // As the activity will see it after Temporal's JSON: no undefined members, plain objects.
    this.key = JSON.parse(JSON.stringify(key));
    this.expiry = setTimeout(() => this.cancel(new Error('the early answer was not taken')), expireMs);
    this.expiry.unref?.();
    void this.consume(request);
  }

  /** Whether this answers `key` (the activity's input), member for member. */
  answers(key: EarlyAnswerKey): boolean {
    return !this.taken && !this.controller.signal.aborted && isDeepStrictEqual(this.key, JSON.parse(JSON.stringify(key)));
  }

  /**
   * The answer as a model that streams it once: what came so far, then the rest as it comes.
   * Aborting the stream's signal cancels the request.
   */
  take(): ChatModel {
    this.taken = true;
    clearTimeout(this.expiry);
    return { label: this.model.label, stream: (_request, options) => this.replay(options?.signal) };
  }

  cancel(reason: unknown = new Error('the early answer was cancelled')): void {
    clearTimeout(this.expiry);
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  private async consume(request: ChatRequest): Promise<void> {
    try {
      for await (const event of this.model.stream(request, { signal: this.controller.signal })) {
        this.events.push(event);
        this.wake();
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ended = true;
      clearTimeout(this.expiry);
      this.wake();
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  private async *replay(signal: AbortSignal | undefined): AsyncGenerator<ChatEvent> {
    const onAbort = (): void => this.cancel(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (let next = 0; ; ) {
        if (next < this.events.length) {
          yield this.events[next++] as ChatEvent;
          continue;
        }
        if (this.ended) break;
        await new Promise<void>((resolve) => this.waiters.add(resolve));
      }
      if (this.failure) throw this.failure.error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
