/**
 * Local fake of an OpenAI-compatible chat-completions endpoint (`POST /v1/chat/completions`,
 * `Authorization: Bearer <key>`), speaking the documented streaming wire protocol: server-sent
 * events of `chat.completion.chunk` objects (text deltas, tool calls in pieces: id and name first,
 * then the arguments), a usage chunk, then `data: [DONE]`. Answers are scripted, with latencies
 * and failures (the shared `script` of behaviours: rate limits, 5xx, dropped streams, slow answers).
 * A scripted answer whose client hangs up before its end (a cancelled early answer, a barge-in) is
 * given again to the next request, as a real model would answer that one afresh.
 */
import type { ServerResponse } from 'node:http';
import { type FakeServer, type FakeServerOptions, sleep, startHttpFake } from './fake-server.js';

/** One scripted answer of the model. */
export interface ScriptedAnswer {
  /** Spoken text, streamed a few words per chunk. */
  text?: string;
  /** Tool calls after the text. */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Time to the first chunk (the model's time to first token). */
  firstTokenDelayMs?: number;
  /** Pause between chunks. */
  chunkDelayMs?: number;
}

/** What the fake received: the request body as parsed JSON. */
export interface ChatCompletionsBody {
  model: string;
  messages: Array<{ role: string; content?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>;
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: unknown } }>;
  stream?: boolean;
  temperature?: number;
  max_tokens?: number;
}

export interface FakeChatOptions extends FakeServerOptions {
  /** Answers of the next successful requests, in order. */
  answers: ScriptedAnswer[];
  /** Answers a request once `answers` is used up (default: a short "Okay."). */
  respond?: (body: ChatCompletionsBody) => ScriptedAnswer;
  /** Defaults of every answer. */
  firstTokenDelayMs: number;
  chunkDelayMs: number;
}

export interface FakeChatServer extends FakeServer {
  readonly options: FakeChatOptions;
  /** Bodies of the requests answered, in order. */
  readonly bodies: ChatCompletionsBody[];
  /** Bodies of the requests whose client hung up before the answer's end. */
  readonly abandoned: ChatCompletionsBody[];
}

const WORDS_PER_CHUNK = 3;

function send(res: ServerResponse, data: unknown): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

/** Starts the fake on 127.0.0.1; its `url` + `/v1` is the client's base URL. */
export async function startFakeChatCompletions(options: Partial<FakeChatOptions> = {}): Promise<FakeChatServer> {
  const settings: Pick<FakeChatOptions, 'answers' | 'respond' | 'firstTokenDelayMs' | 'chunkDelayMs'> = {
    answers: [...(options.answers ?? [])],
    ...(options.respond ? { respond: options.respond } : {}),
    firstTokenDelayMs: options.firstTokenDelayMs ?? 0,
    chunkDelayMs: options.chunkDelayMs ?? 5,
  };
  const bodies: ChatCompletionsBody[] = [];
  const abandoned: ChatCompletionsBody[] = [];
  let counter = 0;
  const server = await startHttpFake(
    options,
    (req, apiKey) => req.headers.authorization === `Bearer ${apiKey}`,
    async (_req, res, record, _body, current) => {
      // Read at each request: tests change the answers and `respond` between calls.
      const chat = current as FakeChatOptions;
      if (record.path !== '/v1/chat/completions' || record.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const body = record.body as ChatCompletionsBody | undefined;
      if (!body || !Array.isArray(body.messages) || typeof body.model !== 'string') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"model and messages are required"}}');
        return;
      }
      bodies.push(body);
      const scripted = chat.answers.shift();
      const answer = scripted ?? chat.respond?.(body) ?? { text: 'Okay.' };
      let hungUp = false;
      res.on('close', () => {
        if (res.writableFinished || hungUp) return;
        hungUp = true;
        abandoned.push(body);
        if (scripted) chat.answers.unshift(scripted);
      });
      const id = `chatcmpl-fake-${++counter}`;
      const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
      const chunkDelayMs = answer.chunkDelayMs ?? chat.chunkDelayMs;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
      await sleep(answer.firstTokenDelayMs ?? chat.firstTokenDelayMs);
      send(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      const words = (answer.text ?? '').split(/(?<=\s)/).filter(Boolean);
      for (let i = 0; i < words.length; i += WORDS_PER_CHUNK) {
        send(res, { ...base, choices: [{ index: 0, delta: { content: words.slice(i, i + WORDS_PER_CHUNK).join('') }, finish_reason: null }] });
        if (record.behavior === 'disconnect') {
          await sleep(20);
          hungUp = true; // the server's doing: the answer is used up
          res.socket?.destroy();
          return;
        }
        await sleep(chunkDelayMs);
        if (hungUp) return;
      }
      for (const [index, call] of (answer.toolCalls ?? []).entries()) {
        const args = JSON.stringify(call.arguments);
        const half = Math.ceil(args.length / 2);
        send(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${counter}_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }, finish_reason: null }] });
        for (const piece of [args.slice(0, half), args.slice(half)]) {
          send(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] });
          await sleep(chunkDelayMs);
        }
      }
      send(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: answer.toolCalls?.length ? 'tool_calls' : 'stop' }] });
      send(res, { ...base, choices: [], usage: { prompt_tokens: 10 * body.messages.length, completion_tokens: words.length, total_tokens: 10 * body.messages.length + words.length } });
      res.end('data: [DONE]\n\n');
    },
  );
  Object.assign(server.options, settings);
  return Object.assign(server, { bodies, abandoned }) as FakeChatServer;
}
