/**
 * Live call events over WebSocket: `GET /api/live?after=<eventId>` (see docs/events.md).
 *
 * Persist, then deliver: `recordCallEvents` commits the events and, in the same transaction,
 * `pg_notify('call_events', …)`. This module LISTENs on that channel, and every connection reads
 * its workspace's events from the database by id (`id > cursor`), so what a client gets is exactly
 * what is stored, in id order. Notifications only say "read again"; a notification that arrives
 * while a read is running makes the read run once more, and a periodic read covers a lost
 * notification or a dropped LISTEN connection. Because a connection is registered before its first
 * read and each read starts at the last id it sent, there are no gaps and no duplicates, whatever
 * the order of backlog and notifications. (Event writes take a per-workspace advisory lock, so ids
 * become visible in the order they were assigned.)
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { CALL_EVENTS_CHANNEL, type CallEventsNotification } from '../../activities/calls/activities';
import type { LiveCallSummary, LiveMessage } from '../../lib/contracts/api-responses';
import type { Logger } from '../../lib/logger';

/**
 * Which workspace a connection acts in, or null to refuse it (401). With `caller` (a user or API key
 * id), open connections are counted per caller and capped (`maxConnectionsPerCaller`); a bare
 * workspace id counts against the workspace.
 */
export type WorkspaceResolver = (request: IncomingMessage) => LiveAccess | string | null | Promise<LiveAccess | string | null>;

export interface LiveAccess {
  workspaceId: string;
  caller: string;
}

/** Close code of a connection refused because its caller already has the most open (see docs/events.md). */
export const TOO_MANY_CONNECTIONS = 4429;

export interface CallEventStreamOptions {
  pool: pg.Pool;
  logger: Logger;
  /**
   * Accounts do not exist yet (issue 8): the API passes a resolver that answers the default
   * workspace for every request. Authentication plugs in here, deciding from the upgrade request
   * (session cookie or token) which workspace, if any, the connection may read.
   */
  resolveWorkspace: WorkspaceResolver;
  /** URL path of the endpoint; default `/api/live`. */
  path?: string;
  /** How often every connection reads again without a notification (ms); default 2000. */
  pollIntervalMs?: number;
  /**
   * The same while no notification has arrived yet (ms); default 500. Some servers never deliver
   * them to another connection (the embedded PGlite of `npm start` shares one session between all
   * connections), and there polling is all there is.
   */
  fallbackPollIntervalMs?: number;
  /** Events per database read; default 500. */
  batchSize?: number;
  /**
   * How often open connections are authorized again with `resolveWorkspace` (ms); default 10000.
   * A connection whose session ended or whose API key was revoked is closed (code 4401).
   */
  recheckIntervalMs?: number;
  /**
   * Open connections one caller (user or API key) may hold; default 10. The next one is accepted
   * and closed at once with code 4429 (`TOO_MANY_CONNECTIONS`) and a reason saying so.
   */
  maxConnectionsPerCaller?: number;
}

export interface CallEventStream {
  /** Connections open now. */
  connections(): number;
  close(): Promise<void>;
}

const READ_EVENTS = `
  select e.id, e.call_id, e.seq, e.type, e.node_id, e.data, e.occurred_at,
         c.status, c.caller_number, c.called_number, c.flow_id, f.name as flow_name, c.flow_version,
         c.current_node_id, c.end_reason, c.started_at, c.answered_at, c.ended_at
    from call_events e
    join calls c on c.id = e.call_id
    left join flows f on f.id = c.flow_id
   where e.workspace_id = $1 and e.id > $2
   order by e.id
   limit $3`;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

interface EventRow {
  id: string;
  call_id: string;
  seq: number;
  type: string;
  node_id: string | null;
  data: Record<string, unknown> | null;
  occurred_at: Date;
  status: LiveCallSummary['status'];
  caller_number: string | null;
  called_number: string | null;
  flow_id: string | null;
  flow_name: string | null;
  flow_version: number | null;
  current_node_id: string | null;
  end_reason: string | null;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
}

function toMessage(row: EventRow): LiveMessage {
  return {
    type: 'event',
    event: {
      id: Number(row.id),
      callId: row.call_id,
      seq: row.seq,
      type: row.type,
      nodeId: row.node_id,
      data: row.data ?? {},
      occurredAt: row.occurred_at.toISOString(),
    },
    call: {
      id: row.call_id,
      status: row.status,
      callerNumber: row.caller_number,
      calledNumber: row.called_number,
      flowId: row.flow_id,
      flowName: row.flow_name,
      flowVersion: row.flow_version,
      currentNodeId: row.current_node_id,
      endReason: row.end_reason,
      startedAt: row.started_at.toISOString(),
      answeredAt: iso(row.answered_at),
      endedAt: iso(row.ended_at),
    },
  };
}

/** A client's position in its workspace's event stream. */
class Subscriber {
  private reading = false;
  private again = false;
  constructor(
    readonly socket: WebSocket,
    readonly workspaceId: string,
    private cursor: number,
    private readonly pool: pg.Pool,
    private readonly batchSize: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Sends every stored event after the cursor; concurrent calls coalesce into one more pass. */
  async read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        const { rows } = await this.pool.query<EventRow>(READ_EVENTS, [this.workspaceId, this.cursor, this.batchSize]);
        for (const row of rows) {
          if (this.socket.readyState !== this.socket.OPEN) return;
          this.socket.send(JSON.stringify(toMessage(row)));
          this.cursor = Number(row.id);
        }
        if (rows.length === this.batchSize) this.again = true;
      } while (this.again && this.socket.readyState === this.socket.OPEN);
    } catch (error) {
      this.onError(error);
    } finally {
      this.reading = false;
    }
  }
}

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : status === 404 ? 'notFound' : 'invalidRequest', message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Serves live call events on `server` (an http.Server, e.g. what `app.listen()` returns).
 * Kept apart from the express app so the API process and the test stack attach it the same way.
 */
export function attachCallEventStream(server: Server, options: CallEventStreamOptions): CallEventStream {
  const path = options.path ?? '/api/live';
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const fallbackPollIntervalMs = options.fallbackPollIntervalMs ?? 500;
  let notified = false;
  const batchSize = options.batchSize ?? 500;
  const { pool, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const subscribers = new Set<Subscriber>();
  /** The upgrade request of each connection, to authorize it again later. */
  const upgrades = new WeakMap<Subscriber, IncomingMessage>();
  const maxPerCaller = options.maxConnectionsPerCaller ?? 10;
  /** Open (and opening) connections per caller. */
  const perCaller = new Map<string, number>();
  const countCaller = (caller: string, by: 1 | -1) => {
    const count = (perCaller.get(caller) ?? 0) + by;
    if (count > 0) perCaller.set(caller, count);
    else perCaller.delete(caller);
  };
  const resolve = async (request: IncomingMessage): Promise<LiveAccess | null> => {
    const access = await options.resolveWorkspace(request);
    if (!access) return null;
    return typeof access === 'string' ? { workspaceId: access, caller: `workspace:${access}` } : access;
  };
  let closed = false;

  const readFailed = (error: unknown) => logger.warn({ err: error }, 'live events: reading events failed; retried on the next poll');
  const readAll = (workspaceId?: string) => {
    for (const subscriber of subscribers) if (!workspaceId || subscriber.workspaceId === workspaceId) void subscriber.read();
  };

  // ---- LISTEN connection (re-established when it drops) ----
  let listener: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  const listen = async () => {
    if (closed) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      client.on('notification', (message) => {
        if (message.channel !== CALL_EVENTS_CHANNEL || !message.payload) return;
        notified = true;
        try {
          readAll((JSON.parse(message.payload) as CallEventsNotification).workspaceId);
        } catch {
          readAll();
        }
      });
      const lost = client;
      lost.on('error', (error) => {
        if (listener !== lost) return; // already given up (closed, or replaced)
        listener = undefined;
        lost.release(error);
        if (closed) return;
        logger.warn({ err: error }, 'live events: LISTEN connection lost; reconnecting');
        retry = setTimeout(() => void listen(), 1000);
      });
      listener = client;
      await client.query(`listen ${CALL_EVENTS_CHANNEL}`);
      if (listener !== client) return; // closed (and released) while LISTEN was on its way
      // Anything committed while we were not listening is read now.
      readAll();
    } catch (error) {
      // A client that errored or was closed meanwhile has been released, and a retry planned.
      if (client && listener !== client) return;
      if (client) {
        listener = undefined;
        client.release(error as Error);
      }
      if (closed) return;
      logger.warn({ err: error }, 'live events: could not LISTEN; polling until it works');
      retry = setTimeout(() => void listen(), 1000);
    }
  };
  void listen();
  let lastPoll = 0;
  const poll = setInterval(
    () => {
      const now = Date.now();
      if (now - lastPoll < (notified ? pollIntervalMs : fallbackPollIntervalMs) - 5) return;
      lastPoll = now;
      readAll();
    },
    Math.min(pollIntervalMs, fallbackPollIntervalMs),
  );

  const recheck = setInterval(() => {
    for (const subscriber of subscribers) {
      const request = upgrades.get(subscriber);
      if (!request) continue;
      void Promise.resolve()
        .then(() => resolve(request))
        .then(
          (access) => {
            if (access?.workspaceId !== subscriber.workspaceId) subscriber.socket.close(4401, 'no longer authorized');
          },
          (error: unknown) => logger.warn({ err: error }, 'live events: authorizing a connection again failed; kept until the next check'),
        );
    }
  }, options.recheckIntervalMs ?? 10_000);

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      // Another upgrade handler may want it; if there is none, say so rather than hang.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found', `No WebSocket endpoint at ${url.pathname}`);
      return;
    }
    void (async () => {
      const afterParam = url.searchParams.get('after');
      if (afterParam !== null && !/^\d{1,15}$/.test(afterParam)) {
        return refuse(socket, 400, 'Bad Request', `after must be an event id (a whole number ≥ 0), got '${afterParam.slice(0, 40)}'`);
      }
      let access: LiveAccess | null;
      try {
        access = await resolve(request);
      } catch (error) {
        logger.warn({ err: error }, 'live events: resolving the workspace failed');
        access = null;
      }
      if (!access) return refuse(socket, 401, 'Unauthorized', 'This connection may not read any workspace’s calls');
      const { workspaceId, caller } = access;
      if ((perCaller.get(caller) ?? 0) >= maxPerCaller) {
        // Accepted and closed with a code, so a browser's WebSocket sees why (an HTTP refusal would not say).
        wss.handleUpgrade(request, socket, head, (ws) => ws.close(TOO_MANY_CONNECTIONS, `too many live connections: at most ${maxPerCaller} per user or API key`));
        return;
      }
      countCaller(caller, 1);
      // Counted until the socket closes, however it ends (refused below, closed, or dropped mid-upgrade).
      socket.once('close', () => countCaller(caller, -1));
      let after: number;
      try {
        after =
          afterParam !== null
            ? Number(afterParam)
            : Number(
                (await pool.query('select coalesce(max(id), 0) as id from call_events where workspace_id = $1', [workspaceId])).rows[0].id,
              );
      } catch (error) {
        logger.warn({ err: error }, 'live events: database unavailable');
        return refuse(socket, 503, 'Service Unavailable', 'The database is not answering; try again');
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        const subscriber = new Subscriber(ws, workspaceId, after, pool, batchSize, readFailed);
        // Registered before the first read: a notification from now on triggers another read.
        subscribers.add(subscriber);
        upgrades.set(subscriber, request);
        let alive = true;
        ws.on('pong', () => (alive = true));
        const ping = setInterval(() => {
          if (!alive) return ws.terminate();
          alive = false;
          ws.ping();
        }, 30_000);
        ws.on('close', () => {
          clearInterval(ping);
          subscribers.delete(subscriber);
        });
        ws.on('error', () => ws.terminate());
        ws.send(JSON.stringify({ type: 'ready', after } satisfies LiveMessage));
        void subscriber.read();
      });
    })();
  };
  server.on('upgrade', onUpgrade);

  return {
    connections: () => subscribers.size,
    async close() {
      closed = true;
      clearInterval(poll);
      clearInterval(recheck);
      clearTimeout(retry);
      server.off('upgrade', onUpgrade);
      for (const subscriber of subscribers) subscriber.socket.terminate();
      subscribers.clear();
      perCaller.clear();
      wss.close();
      if (listener) {
        const client = listener;
        listener = undefined;
        // Closed rather than returned to the pool: it has been listening.
        client.release(true);
      }
    },
  };
}
