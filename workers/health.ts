import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What a worker reports about itself; `healthy` decides the status code (200 or 503). */
export type HealthReport = { healthy: boolean } & Record<string, unknown>;

export interface HealthEndpoints {
  /** `GET /healthz`, liveness: the process works (restart it when this fails). */
  live: () => HealthReport;
  /** `GET /readyz`, readiness: it takes new work (a draining media worker is live but not ready). */
  ready?: () => HealthReport;
  /** `GET /metrics`, Prometheus text format. */
  metrics?: () => Promise<string>;
  /** More routes by path (the media worker's `/watch`). */
  routes?: Record<string, (request: IncomingMessage, response: ServerResponse) => void>;
}

/**
 * A worker's small HTTP server: `/healthz`, `/readyz` (answers 200 while the report is healthy,
 * 503 otherwise, with the report as JSON) and `/metrics`. `host` is 127.0.0.1 unless LISTEN_HOST
 * says otherwise (0.0.0.0 in containers, so probes and Prometheus can reach it).
 */
export function serveHealth(port: number, endpoints: HealthEndpoints | (() => HealthReport), host = '127.0.0.1'): Promise<Server> {
  const { live, ready = live, metrics, routes = {} } = typeof endpoints === 'function' ? { live: endpoints } : endpoints;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route) {
      route(request, response);
      return;
    }
    if (path === '/metrics' && metrics) {
      metrics().then(
        (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
      );
      return;
    }
    if (path !== '/healthz' && path !== '/readyz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const body = path === '/readyz' ? ready() : live();
    response.writeHead(body.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
