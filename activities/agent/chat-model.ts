/**
 * Language models behind a small seam: any OpenAI-compatible chat-completions endpoint (OpenAI,
 * Azure OpenAI, vLLM, Ollama) through the official `openai` client, streamed, with tool calls.
 * {@link FallbackChatModel} adds a timeout, retries with backoff and a fallback endpoint, like the
 * speech providers' wrappers. Errors name the endpoint and the reason, never the conversation.
 */
import OpenAI from 'openai';
import { ProviderError, toProviderError } from '../media/providers/errors';
import { delay } from '../media/providers/util';

/** One message of the conversation, as chat-completions takes it. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ChatToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A function the model may call: name, description and JSON-schema parameters. */
export interface ChatTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** A complete tool call of the model; `arguments` is the JSON text it wrote. */
export interface ChatToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools: ChatTool[];
  temperature: number;
  maxTokens: number;
}

/**
 * What a streamed answer yields: text as it comes, `textDone` when the text is complete but the
 * answer goes on (its tool calls are being written), then the tool calls and the end.
 */
export type ChatEvent =
  | { type: 'text'; text: string }
  | { type: 'textDone' }
  | { type: 'done'; toolCalls: ChatToolCall[]; finishReason: string; usage?: { promptTokens: number; completionTokens: number } };

/** A chat model. `label` names it in events and logs. */
export interface ChatModel {
  readonly label: string;
  /** Streams one answer. Rejects (while iterating) with a {@link ProviderError}. */
  stream(request: ChatRequest, options?: { signal?: AbortSignal }): AsyncIterable<ChatEvent>;
}

/** Options of {@link OpenAiChatModel}. */
export interface OpenAiChatOptions {
  /** API root including `/v1`, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: string;
  apiKey: string;
  /** Names the endpoint in events and errors (default: its host). */
  label?: string;
}

function toWire(message: ChatMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls?.length
          ? { tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/** {@link ChatModel} on an OpenAI-compatible `POST /chat/completions` with `stream: true`. */
export class OpenAiChatModel implements ChatModel {
  readonly label: string;
  private readonly client: OpenAI;

  constructor(options: OpenAiChatOptions) {
    this.label = options.label ?? `llm(${new URL(options.baseUrl).host})`;
    // Retries and timeouts belong to FallbackChatModel, not the SDK.
    this.client = new OpenAI({ apiKey: options.apiKey || 'none', baseURL: options.baseUrl, maxRetries: 0, timeout: 10 * 60_000 });
  }

  async *stream(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<ChatEvent> {
    const calls = new Map<number, ChatToolCall>();
    let finishReason = 'stop';
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toWire),
          temperature: request.temperature,
          max_tokens: request.maxTokens,
          // No `stream_options`: not every OpenAI-compatible server takes it; usage is read when sent.
          stream: true,
          ...(request.tools.length
            ? { tools: request.tools.map((tool) => ({ type: 'function' as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } })) }
            : {}),
        },
        { signal: options.signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) yield { type: 'text', text: choice.delta.content };
        // The words come before the tool calls: their last sentence need not wait for the calls' arguments.
        if (choice.delta.tool_calls?.length && calls.size === 0) yield { type: 'textDone' };
        // Tool calls arrive in pieces: the first names the call, later ones add to its arguments.
        for (const part of choice.delta.tool_calls ?? []) {
          const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
          if (part.id) call.id = part.id;
          if (part.function?.name) call.name += part.function.name;
          if (part.function?.arguments) call.arguments += part.function.arguments;
          calls.set(part.index, call);
        }
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      // The SDK ends an aborted stream quietly: an answer cut short is not an answer.
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    } catch (error) {
      throw toProviderError(this.label, error, options.signal);
    }
    const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    yield { type: 'done', toolCalls, finishReason, ...(usage ? { usage } : {}) };
  }
}

/** A retry or a switch of endpoint (no conversation content). */
export type ChatModelEvent =
  | { type: 'providerRetry'; kind: 'llm'; from: string; attempt: number; delayMs: number; reason: string }
  | { type: 'providerFallback'; kind: 'llm'; from: string; to?: string; reason: string };

export interface ChatFallbackOptions {
  /** Attempts per model for retryable failures (rate limit, 5xx, timeout, dropped connection). */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** No first token within this: the attempt fails as a timeout. */
  firstTokenTimeoutMs: number;
  /** The whole answer, from the request: past it the answer fails as a timeout. */
  timeoutMs: number;
  onEvent: (event: ChatModelEvent) => void;
}

export const defaultChatFallbackOptions: ChatFallbackOptions = {
  maxAttempts: 2,
  initialBackoffMs: 300,
  maxBackoffMs: 2000,
  firstTokenTimeoutMs: 10_000,
  timeoutMs: 30_000,
  onEvent: () => {},
};

/** Every model failed; `failures` holds the last error of each. */
export class AllModelsFailedError extends Error {
  override readonly name = 'AllModelsFailedError';
  constructor(readonly failures: ProviderError[]) {
    super(`every language model failed: ${failures.map((failure) => failure.message).join('; ')}`);
  }
}

/** One model of a {@link FallbackChatModel}: the endpoint and the model name to ask it for. */
export interface ChatModelChoice {
  model: ChatModel;
  /** Replaces `request.model` for this endpoint. */
  modelName: string;
}

/**
 * Tries each model in turn, with retries, until one starts answering (its first event); from then
 * on that answer is the answer, and a failure mid-stream ends it with the error: the caller may
 * already have heard its first sentence, and another model would start over.
 */
export class FallbackChatModel implements ChatModel {
  readonly label: string;
  readonly options: ChatFallbackOptions;

  constructor(
    readonly choices: readonly ChatModelChoice[],
    options: Partial<ChatFallbackOptions> = {},
  ) {
    if (choices.length === 0) throw new Error('FallbackChatModel needs at least one model');
    this.options = { ...defaultChatFallbackOptions, ...options };
    this.label = choices.map((choice) => choice.model.label).join(',');
  }

  async *stream(request: ChatRequest, options: { signal?: AbortSignal } = {}): AsyncGenerator<ChatEvent> {
    const { maxAttempts, initialBackoffMs, maxBackoffMs, firstTokenTimeoutMs, timeoutMs, onEvent } = this.options;
    const failures: ProviderError[] = [];
    for (const [index, { model, modelName }] of this.choices.entries()) {
      let failure: ProviderError | undefined;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        options.signal?.throwIfAborted();
        const controller = new AbortController();
        const onOuter = (): void => controller.abort(options.signal?.reason);
        options.signal?.addEventListener('abort', onOuter, { once: true });
        const timer = setTimeout(() => controller.abort(new ProviderError(model.label, 'timeout', `no answer within ${firstTokenTimeoutMs} ms`)), firstTokenTimeoutMs);
        const whole = setTimeout(() => controller.abort(new ProviderError(model.label, 'timeout', `answer not finished within ${timeoutMs} ms`)), timeoutMs);
        let started = false;
        try {
          for await (const event of model.stream({ ...request, model: modelName }, { signal: controller.signal })) {
            if (!started) {
              started = true;
              clearTimeout(timer);
            }
            yield event;
          }
          return;
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          const reason = controller.signal.reason;
          failure = reason instanceof ProviderError ? reason : toProviderError(model.label, error);
          if (started) throw failure;
          if (!failure.retryable || attempt === maxAttempts) break;
          const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
          onEvent({ type: 'providerRetry', kind: 'llm', from: model.label, attempt, delayMs, reason: failure.reason });
          await delay(delayMs, options.signal);
        } finally {
          clearTimeout(timer);
          clearTimeout(whole);
          options.signal?.removeEventListener('abort', onOuter);
        }
      }
      if (failure) failures.push(failure);
      const next = this.choices[index + 1];
      onEvent({ type: 'providerFallback', kind: 'llm', from: model.label, ...(next ? { to: next.model.label } : {}), reason: failure?.reason ?? 'failed' });
    }
    throw new AllModelsFailedError(failures);
  }
}
