/**
 * Local fake of Deepgram's live endpoint: WebSocket `/v1/listen` with `Authorization: Token <key>`.
 * A refused key gets HTTP 401 on the upgrade, a rate limit 429. Accepted connections answer an
 * interim result once audio arrives and, after `CloseStream`, the canned transcript as final
 * result, `Metadata`, and a normal close.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, defaultFakeServerOptions, type FakeRequest, type FakeServer, type FakeServerOptions, listenLocal, nextBehavior, sleep } from './fake-server.js';

/** Starts the fake on 127.0.0.1; its `url` is `ws://127.0.0.1:PORT`. Requests record the audio bytes received. */
export async function startFakeDeepgram(options: Partial<FakeServerOptions> = {}): Promise<FakeServer> {
  const resolved: FakeServerOptions = { ...defaultFakeServerOptions, ...options, script: [...(options.script ?? [])] };
  const requests: FakeRequest[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => res.writeHead(404).end());

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const behavior = nextBehavior(resolved, req.headers.authorization === `Token ${resolved.apiKey}`);
    const record: FakeRequest = { method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), behavior, bodyBytes: 0 };
    requests.push(record);
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"err_code":"${text}"}`);
    };
    if (url.pathname !== '/v1/listen') return refuse(404, 'Not Found');
    if (behavior === 'badKey') return refuse(401, 'Unauthorized');
    if (behavior === 'rateLimit') return refuse(429, 'Too Many Requests');
    if (behavior === 'serverError') return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, record, resolved));
  });

  const origin = await listenLocal(server);
  return {
    url: origin.replace('http://', 'ws://'),
    options: resolved,
    requests,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await closeServer(server);
    },
  };
}

function serve(ws: WebSocket, record: FakeRequest, options: FakeServerOptions): void {
  const sampleRate = Number(record.query.sample_rate ?? 16_000);
  let interimSent = false;
  const seconds = (): number => record.bodyBytes / 2 / sampleRate;
  const results = (transcript: string, isFinal: boolean): string =>
    JSON.stringify({
      type: 'Results',
      channel_index: [0, 1],
      start: 0,
      duration: seconds(),
      is_final: isFinal,
      speech_final: isFinal,
      channel: { alternatives: [{ transcript, confidence: 0.93, words: [] }] },
      metadata: { request_id: 'fake', model_info: { name: 'fake', version: '0', arch: 'fake' }, model_uuid: 'fake' },
    });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      record.bodyBytes += data.length;
      if (record.behavior === 'disconnect') {
        ws.terminate();
        return;
      }
      if (!interimSent && seconds() >= 0.1 && record.query.interim_results === 'true') {
        interimSent = true;
        ws.send(results(options.transcript.split(' ')[0] ?? '', false));
      }
      return;
    }
    const message = JSON.parse(data.toString('utf8')) as { type?: string };
    if (message.type !== 'CloseStream') return;
    void (async () => {
      if (record.behavior === 'slow') await sleep(options.slowMs);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(results(options.transcript, true));
      ws.send(JSON.stringify({ type: 'Metadata', request_id: 'fake', duration: seconds(), channels: 1 }));
      ws.close(1000);
    })();
  });
}
