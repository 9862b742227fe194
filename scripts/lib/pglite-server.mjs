// Serves a persistent PGlite database over the Postgres wire protocol, for when DATABASE_URL is
// unset. Started by startPglite() in services.mjs:
//   node scripts/lib/pglite-server.mjs --data-dir DIR [--host 127.0.0.1] [--port 5433] [--max-connections 20]
//
// What it can do: PGlite is one single-user Postgres backend. Several client connections share it
// through one queue (SessionQueue below): a connection that starts an exchange owns the backend until
// the exchange ends — a simple query, or an extended-protocol Parse … Sync (what pg sends for every
// query with parameters) — and, while it has an explicit transaction open (BEGIN … COMMIT), until
// that ends. Other connections' messages wait meanwhile.
// What it cannot do: session state is shared by all connections (SET, temp tables, named prepared
// statements, advisory locks, LISTEN/NOTIFY), there is no SSL, and queries never run in parallel.

import fs from 'node:fs';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5433' },
    'max-connections': { type: 'string', default: '20' },
  },
});
if (!values['data-dir']) {
  console.error('pglite-server: --data-dir is required');
  process.exit(2);
}

// Two servers on one data directory would corrupt it: hold <data-dir>.lock while running.
const lockFile = `${values['data-dir'].replace(/\/+$/, '')}.lock`;
for (;;) {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    break;
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    const holder = Number(fs.readFileSync(lockFile, 'utf8')) || 0;
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = holder !== 0;
    } catch (e) {
      alive = e.code === 'EPERM';
    }
    if (alive) {
      console.error(`pglite-server: ${values['data-dir']} is in use by process ${holder} (${lockFile})`);
      process.exit(1);
    }
    fs.rmSync(lockFile, { force: true });
  }
}
process.on('exit', () => {
  if (fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.rmSync(lockFile, { force: true });
});

/** Message types after which the backend is ready for the next exchange: Sync, Query, Terminate; 0 is the startup message. */
const EXCHANGE_ENDS = new Set([0x53, 0x51, 0x58, 0x00]);
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * The queue pglite-socket's connection handlers feed their messages into. pglite-socket's own queue
 * switches connections between any two messages unless a transaction block is open, so another
 * connection's Parse or Bind could land between a connection's Bind and Execute: the unnamed
 * statement and portal are shared, so the first connection got `portal "" does not exist` or
 * another query's rows. This one hands the backend to a connection for a whole exchange.
 */
class SessionQueue {
  /** @type {Array<{ handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void, resolve: (n: number) => void, reject: (e: Error) => void }>} */
  queue = [];
  /** The connection in the middle of an exchange or transaction, or null. */
  owner = null;
  /** Connections that closed while owning the backend: their exchange is ended for them. */
  closed = new Set();
  running = false;

  constructor(db) {
    this.db = db;
  }

  enqueue(handlerId, message, onData) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength() {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId) {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  /** Called when a connection goes away: if it owned the backend, its exchange and transaction are ended. */
  async clearTransactionIfNeeded(handlerId) {
    if (this.owner !== handlerId) return;
    this.closed.add(handlerId);
    await this.drain();
  }

  async drain() {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        if (this.owner !== null && this.closed.has(this.owner)) {
          this.closed.delete(this.owner);
          await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC, { onRawData: () => undefined }));
          if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
          this.owner = null;
        }
        const index = this.owner === null ? (this.queue.length ? 0 : -1) : this.queue.findIndex((item) => item.handlerId === this.owner);
        if (index === -1) break;
        const [item] = this.queue.splice(index, 1);
        this.owner = item.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = null;
          item.reject(error);
          continue;
        }
        if (EXCHANGE_ENDS.has(item.message[0]) && !this.db.isInTransaction()) this.owner = null;
        item.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}

const started = Date.now();
const db = await PGlite.create(values['data-dir']);
const queryQueue = new SessionQueue(db);
const maxConnections = Number(values['max-connections']);
const handlers = new Set();
const server = net.createServer((socket) => {
  if (handlers.size >= maxConnections) {
    socket.end('Too many connections\n');
    return;
  }
  const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
  handlers.add(handler);
  const forget = () => handlers.delete(handler);
  handler.addEventListener('close', forget);
  handler.addEventListener('error', (event) => {
    forget();
    if (!/ECONNRESET/.test(event.detail?.message ?? '')) console.error('pglite-server: connection error:', event.detail?.message ?? event.detail);
  });
  handler.attach(socket).catch((error) => {
    forget();
    console.error('pglite-server: could not attach a connection:', error.message);
    socket.destroy();
  });
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(values.port), values.host, resolve);
});
server.on('error', (error) => console.error('pglite-server: socket error:', error.message));
console.log(`pglite-server: serving ${values['data-dir']} on ${values.host}:${values.port} (ready in ${Date.now() - started}ms)`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`pglite-server: ${signal}, closing`);
  try {
    for (const handler of handlers) void handler.detach(true);
    // close() waits for clients to hang up; the database must be closed either way.
    await Promise.race([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => setTimeout(resolve, 3000))]);
  } finally {
    await db.close(); // flushes the data dir
  }
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
