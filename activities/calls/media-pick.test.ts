/**
 * `pickMediaWorker` against real HTTP servers standing in for media workers' health ports: it
 * picks the least busy worker that answers `/readyz` as itself, and never one that is stopped
 * (accepts, never answers), killed (refuses), full or draining (503), replaced (another id answers)
 * or avoided.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, test } from 'node:test';
import { mediaWorkerIdentity, parseMediaWorkerIdentity } from '../../lib/contracts/media-watch';
import { createMediaPickActivities } from './media-pick';

const servers: Server[] = [];
const sockets = new Set<Socket>();
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

/** A health port that answers `/readyz` with `status` and `body`, or never answers (`hang`). */
async function healthPort(answer: { status: number; body: Record<string, unknown> } | 'hang'): Promise<string> {
  const server = createServer((request, response) => {
    if (answer === 'hang') return; // a stopped process: the kernel accepted, nobody answers
    assert.equal(request.url, '/readyz');
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  server.on('connection', (socket) => sockets.add(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/watch`;
}

/** A port nothing listens on (a killed worker's). */
async function refusedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/watch`;
}

const ready = (workerId: string, sessions: number) => ({ status: 200, body: { healthy: true, workerId, taskQueue: `media-${workerId}`, sessions } });

test('a media worker identity carries its id and watch address; other identities are not read as one', () => {
  assert.deepEqual(parseMediaWorkerIdentity(mediaWorkerIdentity('host-12-a1b2c3', 'http://10.0.0.7:9464/watch')), { workerId: 'host-12-a1b2c3', watchUrl: 'http://10.0.0.7:9464/watch' });
  assert.equal(parseMediaWorkerIdentity('4242@host'), undefined);
  assert.equal(parseMediaWorkerIdentity('w file:///etc/passwd'), undefined);
  assert.equal(parseMediaWorkerIdentity(''), undefined);
});

test('picks the least busy live worker with room; stopped, killed, full, replaced and avoided workers are never picked', async () => {
  const identities = [
    mediaWorkerIdentity('busy', await healthPort(ready('busy', 3))),
    mediaWorkerIdentity('idle', await healthPort(ready('idle', 0))),
    mediaWorkerIdentity('stopped', await healthPort('hang')),
    mediaWorkerIdentity('killed', await refusedPort()),
    mediaWorkerIdentity('full', await healthPort({ status: 503, body: { healthy: false, workerId: 'full', taskQueue: 'media-full', sessions: 8 } })),
    // Another process now serves the port a lost worker advertised.
    mediaWorkerIdentity('replaced', await healthPort(ready('newcomer', 0))),
    // Declared lost during this call: it may look fine, it never gets the call back.
    mediaWorkerIdentity('lost', await healthPort(ready('lost', 0))),
    '777@some-other-worker',
  ];
  let askedQueue = '';
  const { pickMediaWorker } = createMediaPickActivities({
    mediaQueuePollers: async (taskQueue) => {
      askedQueue = taskQueue;
      return [...identities, identities[0] as string];
    },
    // Long enough that a pick that waited for the stopped worker would show.
    answerTimeoutMs: 5000,
  });
  const started = Date.now();
  const result = await pickMediaWorker({ avoidWorkers: ['lost'], attachTaskQueue: 'media' });
  const tookMs = Date.now() - started;
  assert.equal(askedQueue, 'media');
  assert.deepEqual(result, { picked: { workerId: 'idle', taskQueue: 'media-idle' }, candidates: 6, ready: 2 });
  // Once a live worker answered, the stopped one is not waited for.
  assert.ok(tookMs < 2500, `took ${tookMs} ms`);
});

test('no live worker with room: nothing is picked (the call goes to the shared queue)', async () => {
  const identities = [mediaWorkerIdentity('stopped', await healthPort('hang')), mediaWorkerIdentity('killed', await refusedPort())];
  const { pickMediaWorker } = createMediaPickActivities({ mediaQueuePollers: async () => identities, answerTimeoutMs: 200 });
  assert.deepEqual(await pickMediaWorker({ avoidWorkers: [], attachTaskQueue: 'media' }), { candidates: 2, ready: 0 });
  const none = createMediaPickActivities({ mediaQueuePollers: async () => [] });
  assert.deepEqual(await none.pickMediaWorker({ avoidWorkers: [], attachTaskQueue: 'media' }), { candidates: 0, ready: 0 });
});
