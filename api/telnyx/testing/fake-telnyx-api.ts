/**
 * A local stand-in for the Telnyx REST API v2 (the parts Switchboard uses), for tests: Bearer
 * auth with Telnyx's 401 error body, `page[number]`/`page[size]` pagination with Telnyx's `meta`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTelnyxData {
  phone_numbers: Array<Record<string, unknown>>;
  fqdn_connections: Array<Record<string, unknown>>;
  credential_connections: Array<Record<string, unknown>>;
  fqdns: Array<Record<string, unknown>>;
}

export interface FakeTelnyxApi {
  /** Base URL including /v2, for TELNYX_API_BASE_URL. */
  baseURL: string;
  /** Paths (with query) of every request received. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeTelnyxApi(apiKey: string, data: FakeTelnyxData): Promise<FakeTelnyxApi> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      send(401, { errors: [{ code: '10009', title: 'Authentication failed', detail: 'The API key looks malformed. Check that you copied it correctly.' }] });
      return;
    }
    const collection = /^\/v2\/(phone_numbers|fqdn_connections|credential_connections|fqdns)$/.exec(url.pathname)?.[1] as keyof FakeTelnyxData | undefined;
    if (request.method !== 'GET' || !collection) {
      send(404, { errors: [{ code: '10005', title: 'Resource not found', detail: 'The requested resource or URL could not be found.' }] });
      return;
    }
    const items = data[collection];
    const pageSize = Math.min(Number(url.searchParams.get('page[size]') ?? 20), 250);
    const pageNumber = Number(url.searchParams.get('page[number]') ?? 1);
    send(200, {
      data: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      meta: { total_pages: Math.max(1, Math.ceil(items.length / pageSize)), total_results: items.length, page_number: pageNumber, page_size: pageSize },
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
