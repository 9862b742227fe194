import { createServer, type Server } from 'node:http';

/** A tiny health endpoint: GET /healthz answers 200 with the report while healthy, 503 otherwise. */
export function serveHealth(port: number, report: () => { healthy: boolean } & Record<string, unknown>): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/healthz' && request.url !== '/readyz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const body = report();
    response.writeHead(body.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
