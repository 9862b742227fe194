/**
 * The local servers start on free loopback ports, answer, and leave no process behind when
 * stopped. Starts real binaries (npm run install-tools builds them).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RoomServiceClient } from 'livekit-server-sdk';
// @ts-expect-error plain .mjs helper without types
import { CALL_SEARCH_ATTRIBUTES, listSearchAttributes, startLiveKit, startPglite, startTemporal } from './services.mjs';

const scratch = await mkdtemp(join(tmpdir(), 'switchboard-services-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** Pids whose parent is this test process, except tsx's esbuild service. */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …"; comm may contain spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('esbuild')) continue;
      pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function assertNoChildrenLeft(): Promise<void> {
  // The watchdog process exits shortly after the last service stops.
  const deadline = Date.now() + 3000;
  while (childPids().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const describe = (pid: number): string => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`;
    } catch {
      return `${pid}: (gone)`;
    }
  };
  assert.deepEqual(childPids().map(describe), [], 'child processes left behind');
}

function assertGone(pid: number): void {
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} still exists`);
}

test('Temporal and LiveKit start on free ports, answer, and stop without leftovers', async () => {
  const dbFile = join(scratch, 'temporal.db');
  const temporal = await startTemporal({ headless: true, dbFile });
  const livekit = await startLiveKit({}).catch(async (error: Error) => {
    await temporal.stop();
    throw error;
  });
  try {
    assert.match(temporal.address, /^127\.0\.0\.1:\d+$/);
    const attributes = await listSearchAttributes({ address: temporal.address });
    assert.deepEqual(
      Object.fromEntries(Object.keys(CALL_SEARCH_ATTRIBUTES).map((name) => [name, attributes[name]])),
      {
        CallId: 'INDEXED_VALUE_TYPE_KEYWORD',
        CallerNumber: 'INDEXED_VALUE_TYPE_KEYWORD',
        CalledNumber: 'INDEXED_VALUE_TYPE_KEYWORD',
        FlowId: 'INDEXED_VALUE_TYPE_KEYWORD',
        FlowVersion: 'INDEXED_VALUE_TYPE_INT',
        CallStatus: 'INDEXED_VALUE_TYPE_KEYWORD',
      },
    );

    assert.match(livekit.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(livekit.httpUrl);
    assert.equal(res.status, 200);
    const rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    await rooms.createRoom({ name: 'services-test' });
    assert.deepEqual((await rooms.listRooms()).map((room) => room.name), ['services-test']);
  } finally {
    await Promise.all([temporal.stop(), livekit.stop()]);
  }
  assertGone(temporal.process.pid);
  assertGone(livekit.process.pid);
  await assertNoChildrenLeft();

  // Restarting on the same database keeps the namespace, and a search attribute added since is
  // registered too (the dev server itself only registers them when it creates the database).
  const again = await startTemporal({
    headless: true,
    dbFile,
    searchAttributes: { ...CALL_SEARCH_ATTRIBUTES, ServicesTestExtra: 'Keyword' },
  });
  try {
    const attributes = await listSearchAttributes({ address: again.address });
    assert.equal(attributes.ServicesTestExtra, 'INDEXED_VALUE_TYPE_KEYWORD');
    assert.equal(attributes.CallId, 'INDEXED_VALUE_TYPE_KEYWORD');
  } finally {
    await again.stop();
  }
  await assertNoChildrenLeft();
});

test('PGlite serves concurrent connections and keeps its data across restarts', async () => {
  const dataDir = join(scratch, 'pglite');
  let db = await startPglite({ dataDir });
  const a = new pg.Client({ connectionString: db.databaseUrl });
  const b = new pg.Client({ connectionString: db.databaseUrl });
  try {
    await Promise.all([a.connect(), b.connect()]);
    await a.query('create table calls (id int primary key, caller text not null)');

    // Both connections at once, with parameters (extended protocol), each checking its own answers.
    await Promise.all(
      [a, b].map(async (client, c) => {
        for (let i = 0; i < 50; i++) {
          const id = c * 100 + i;
          const { rows } = await client.query('insert into calls values ($1, $2) returning id, caller', [id, `caller-${id}`]);
          assert.deepEqual(rows, [{ id, caller: `caller-${id}` }]);
        }
      }),
    );

    // PGlite is one backend: while a connection has a transaction open, the others wait for it.
    await a.query('begin');
    await a.query('insert into calls values (999, $1)', ['in-transaction']);
    let answered = false;
    const meanwhile = b.query('select count(*)::int as n from calls').then((result) => ((answered = true), result));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered, false, 'the other connection ran inside an open transaction');
    await a.query('commit');
    assert.equal((await meanwhile).rows[0].n, 101);
  } finally {
    await Promise.all([a.end(), b.end()]);
    await db.stop();
  }
  assertGone(db.process.pid);

  db = await startPglite({ dataDir });
  const c = new pg.Client({ connectionString: db.databaseUrl });
  try {
    await c.connect();
    const { rows } = await c.query('select count(*)::int as n from calls');
    assert.equal(rows[0].n, 101);
  } finally {
    await c.end();
    await db.stop();
  }
  await assertNoChildrenLeft();
});

test('PGlite keeps each connection\'s extended-protocol exchange whole while others run theirs', async () => {
  // pg sends Parse/Bind/Describe/Execute/Sync for every parameterised query; another connection's
  // messages in between would replace the unnamed statement and portal (`portal "" does not exist`,
  // or one connection reading another's rows). Different statements and parameters per connection
  // make any mix-up visible.
  const db = await startPglite({ dataDir: join(scratch, 'pglite-interleave') });
  const clients = Array.from({ length: 6 }, () => new pg.Client({ connectionString: db.databaseUrl }));
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const [first] = clients as [pg.Client];
    await first.query('create table triggers (id int primary key, number text not null)');
    await first.query("insert into triggers select g, '+1415555' || lpad(g::text, 4, '0') from generate_series(1, 50) g");
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < 60; i++) {
          const id = 1 + ((c * 7 + i) % 50);
          if (c % 3 === 0) {
            const { rows } = await client.query('select number from triggers where id = $1', [id]);
            assert.deepEqual(rows, [{ number: `+1415555${String(id).padStart(4, '0')}` }], `connection ${c}, query ${i}`);
          } else if (c % 3 === 1) {
            const { rows } = await client.query('select id, $2::text as tag from triggers where number = $1', [`+1415555${String(id).padStart(4, '0')}`, `c${c}`]);
            assert.deepEqual(rows, [{ id, tag: `c${c}` }], `connection ${c}, query ${i}`);
          } else {
            // A transaction of its own now and then: the others wait, nothing leaks into it.
            await client.query('begin');
            const { rows } = await client.query('select count(*)::int as n, $1::int as i from triggers', [i]);
            assert.deepEqual(rows, [{ n: 50, i }], `connection ${c}, query ${i}`);
            await client.query('commit');
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
    await db.stop();
  }
});

test('the Temporal UI of the dev server is served under its public path and pointed at the codec endpoint it is given', async () => {
  // As `npm start` runs it: under /temporal (the API serves it there) with the same-origin codec endpoint.
  const endpoint = '/api/temporal-codec';
  const temporal = await startTemporal({ uiCodecEndpoint: endpoint, uiPublicPath: '/temporal', dbFile: join(scratch, 'temporal-ui.db') });
  try {
    assert.match(temporal.uiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/temporal$/);
    let codec: { Endpoint?: string } | undefined;
    for (let i = 0; i < 80 && !codec; i++) {
      const response = await fetch(`${temporal.uiUrl}/api/v1/settings`).catch(() => undefined);
      if (response?.ok) codec = ((await response.json()) as { Codec?: { Endpoint?: string } }).Codec;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(codec?.Endpoint, endpoint);
    const page = await (await fetch(`${temporal.uiUrl}/namespaces/default/workflows`)).text();
    assert.match(page, /"\/temporal\/_app\//, 'the page loads its scripts from under the public path');
  } finally {
    await temporal.stop();
  }
});
