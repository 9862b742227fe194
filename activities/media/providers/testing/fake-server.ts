/**
 * Building blocks of the local fake provider servers: the behaviour switch every fake obeys, an
 * HTTP server on 127.0.0.1, and generated audio. Test-only code: nothing here reaches the network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake answers one request or connection. */
export type FakeBehavior =
  /** Answers correctly (canned transcript, generated audio). */
  | 'success'
  /** 401: the key is refused (also what any wrong key gets). */
  | 'badKey'
  /** 429: rate limited. */
  | 'rateLimit'
  /** 500 / 503. */
  | 'serverError'
  /** Starts answering, then drops the connection. */
  | 'disconnect'
  /** Answers correctly after `slowMs`. */
  | 'slow';

/** Options every fake server takes; every field has a default. */
export interface FakeServerOptions {
  /** The only key accepted. */
  apiKey: string;
  /** Behaviour once `script` is used up. */
  behavior: FakeBehavior;
  /** Behaviours of the next requests, one each, in order (e.g. `['rateLimit', 'rateLimit']`). */
  script: FakeBehavior[];
  /** Delay of `slow` answers. */
  slowMs: number;
  /** Transcript the recognizer fakes answer with. */
  transcript: string;
  /** Streamed audio answers: pause before the first chunk (the provider's time to first byte). */
  firstChunkDelayMs: number;
  /** Streamed audio answers: pause between chunks of 100 ms of audio. */
  chunkDelayMs: number;
  /** Length of generated speech answers; 0 keeps each fake's own default. */
  audioMs: number;
}

/** Defaults of {@link FakeServerOptions}. */
export const defaultFakeServerOptions: FakeServerOptions = {
  apiKey: 'test-key',
  behavior: 'success',
  script: [],
  slowMs: 2_000,
  transcript: 'Press two for support.',
  firstChunkDelayMs: 0,
  chunkDelayMs: 1,
  audioMs: 0,
};

/** One request a fake saw (no key; the key check result instead). */
export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  behavior: FakeBehavior;
  /** Parsed JSON body, or the body's size for binary and multipart bodies. */
  body?: unknown;
  bodyBytes: number;
}

/** A started fake: change `options` between requests to switch behaviour. */
export interface FakeServer {
  /** Origin, `http://127.0.0.1:PORT` (use `ws://` for WebSocket fakes). */
  readonly url: string;
  readonly options: FakeServerOptions;
  readonly requests: FakeRequest[];
  close(): Promise<void>;
}

/** Next behaviour: the script first, then the default; a wrong key always gets `badKey`. */
export function nextBehavior(options: FakeServerOptions, keyOk: boolean): FakeBehavior {
  const scripted = options.script.shift();
  return keyOk ? (scripted ?? options.behavior) : 'badKey';
}

/** Starts `server` on an ephemeral port of 127.0.0.1 and returns its origin. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes `server`, dropping open connections. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Reads a request body whole. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Answers an error behaviour as JSON; returns false for `success`, `slow` and `disconnect`. */
export function answerError(res: ServerResponse, behavior: FakeBehavior): boolean {
  const status = behavior === 'badKey' ? 401 : behavior === 'rateLimit' ? 429 : behavior === 'serverError' ? 503 : 0;
  if (status === 0) return false;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message: `fake ${behavior}`, type: behavior } }));
  return true;
}

/** Starts an HTTP fake whose `handle` sees each request with its behaviour already chosen. */
export async function startHttpFake(
  options: Partial<FakeServerOptions>,
  checkKey: (req: IncomingMessage, apiKey: string) => boolean,
  handle: (req: IncomingMessage, res: ServerResponse, record: FakeRequest, body: Buffer, options: FakeServerOptions) => Promise<void>,
): Promise<FakeServer> {
  const resolved: FakeServerOptions = { ...defaultFakeServerOptions, ...options, script: [...(options.script ?? [])] };
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      const behavior = nextBehavior(resolved, checkKey(req, resolved.apiKey));
      const record: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), behavior, bodyBytes: body.length };
      if ((req.headers['content-type'] ?? '').startsWith('application/json')) record.body = JSON.parse(body.toString('utf8')) as unknown;
      requests.push(record);
      if (answerError(res, behavior)) return;
      if (behavior === 'slow') await sleep(resolved.slowMs);
      await handle(req, res, record, body, resolved);
    })().catch(() => res.destroy());
  });
  const url = await listenLocal(server);
  return { url, options: resolved, requests, close: () => closeServer(server) };
}

/** Streams `bytes` in chunks; with `disconnect`, sends the first chunk and destroys the socket. */
export async function streamBytes(
  res: ServerResponse,
  bytes: Uint8Array,
  contentType: string,
  behavior: FakeBehavior,
  timing: { firstChunkDelayMs?: number; chunkDelayMs?: number; chunkBytes?: number } = {},
): Promise<void> {
  res.writeHead(200, { 'content-type': contentType });
  res.flushHeaders();
  const chunk = timing.chunkBytes ?? 3_200;
  if (timing.firstChunkDelayMs) await sleep(timing.firstChunkDelayMs);
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    res.write(bytes.subarray(offset, offset + chunk));
    if (behavior === 'disconnect') {
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    await sleep(timing.chunkDelayMs ?? 1);
  }
  res.end();
}

/** A sine tone as 16-bit samples. */
export function sine(sampleRate: number, durationMs: number, frequencyHz = 440, amplitude = 8_000): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * durationMs) / 1000));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate));
  return samples;
}

/** Samples as little-endian bytes. */
export function pcmBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => bytes.writeInt16LE(s, i * 2));
  return bytes;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
