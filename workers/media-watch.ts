/**
 * The media worker's watch stream (lib/contracts/media-watch.ts): served on its health port, read
 * by the flow worker's `watchMediaWorker` activity for each call this worker holds.
 */
import { networkInterfaces } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MEDIA_WATCH_INTERVAL_MS, MEDIA_WATCH_PATH, type MediaWatchLine } from '../lib/contracts/media-watch';

export interface MediaWatchSource {
  workerId: string;
  /** How long the call's current step has played audio (undefined: none playing, or no such call). */
  audioMs(callId: string): number | undefined;
  intervalMs?: number;
}

/** `GET /watch?callId=…`: the worker's id, then the call's played audio every interval, until the client goes. */
export function serveMediaWatch(source: MediaWatchSource): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'application/json' }).end('{"error":"use GET"}');
      return;
    }
    const callId = new URL(request.url ?? '/', 'http://watch').searchParams.get('callId') ?? '';
    if (callId.length > 200) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"callId is longer than 200 characters"}');
      return;
    }
    request.socket.setNoDelay(true);
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const send = (line: MediaWatchLine) => response.write(`${JSON.stringify(line)}\n`);
    send({ workerId: source.workerId });
    const timer = setInterval(() => {
      const audioMs = callId ? source.audioMs(callId) : undefined;
      send(audioMs === undefined ? {} : { audioMs });
    }, source.intervalMs ?? MEDIA_WATCH_INTERVAL_MS);
    response.on('close', () => clearInterval(timer));
  };
}

/** The watch address flow workers use: `http://<host>:<port>/watch`. */
export function mediaWatchUrl(port: number, listenHost: string, advertiseHost?: string): string {
  const host = advertiseHost || (listenHost === '0.0.0.0' || listenHost === '::' ? externalAddress() : listenHost);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${MEDIA_WATCH_PATH}`;
}

/** The first external IPv4 address (a container's address on its network), else 127.0.0.1. */
function externalAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((address) => address.family === 'IPv4' && !address.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
