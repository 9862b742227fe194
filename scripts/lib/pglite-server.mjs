// Serves a persistent PGlite database over the Postgres wire protocol, for when DATABASE_URL is
// unset. Started by startPglite() in services.mjs:
//   node scripts/lib/pglite-server.mjs --data-dir DIR [--host 127.0.0.1] [--port 5433] [--max-connections 20]
//
// What it can do: PGlite is one single-user Postgres backend. pglite-socket multiplexes several
// client connections onto it: messages from all connections go through one queue, and while a
// connection has an explicit transaction open (BEGIN … COMMIT) only that connection's messages run.
// What it cannot do: session state is shared by all connections (SET, temp tables, named prepared
// statements, advisory locks, LISTEN/NOTIFY), there is no SSL, and queries never run in parallel.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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

const started = Date.now();
const db = await PGlite.create(values['data-dir']);
const server = new PGLiteSocketServer({
  db,
  host: values.host,
  port: Number(values.port),
  maxConnections: Number(values['max-connections']),
});
server.addEventListener('error', (event) => console.error('pglite-server: socket error:', event.detail?.message ?? event.detail));
await server.start();
console.log(`pglite-server: serving ${values['data-dir']} on ${values.host}:${values.port} (ready in ${Date.now() - started}ms)`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`pglite-server: ${signal}, closing`);
  try {
    // server.stop() waits for clients to hang up; the database must be closed either way.
    await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  } finally {
    await db.close(); // flushes the data dir
  }
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
