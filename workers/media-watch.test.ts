/**
 * The media worker's watch stream and the flow worker's `watchMediaWorker` that reads it, against
 * a real process serving the stream on a real port: killed, it is reported gone; stopped, or
 * dropping the connection while alive, it is not; another worker on its port is "replaced".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMediaWatchActivities, type WatchMediaWorkerResult } from '../activities/calls/media-watch.js';
import { serveHealth } from './health.js';
import { mediaWatchUrl, serveMediaWatch } from './media-watch.js';

const healthModule = new URL('./health.ts', import.meta.url).href;
const watchModule = new URL('./media-watch.ts', import.meta.url).href;

/** A process serving a watch for `workerId` (port 0, or `port`); resolves with it and its port. */
async function watchProcess(workerId: string, port = 0): Promise<{ child: ChildProcess; port: number }> {
  const code = `
    const { serveHealth } = await import(${JSON.stringify(healthModule)});
    const { serveMediaWatch } = await import(${JSON.stringify(watchModule)});
    const server = await serveHealth(${port}, { live: () => ({ healthy: true }), routes: { '/watch': serveMediaWatch({ workerId: ${JSON.stringify(workerId)}, audioMs: () => 1234, intervalMs: 50 }) } });
    console.log('port ' + server.address().port);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    const match = /port (\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]) };
  }
  throw new Error(`the watch process exited before listening: ${output}`);
}

const activities = createMediaWatchActivities({ answerTimeoutMs: 500, retryDelayMs: 100, heartbeatIntervalMs: 100 });

function watch(port: number, workerId: string) {
  const environment = new MockActivityEnvironment();
  const result = environment.run(activities.watchMediaWorker, { watchUrl: `http://127.0.0.1:${port}/watch`, workerId, callId: 'call-1' }) as Promise<WatchMediaWorkerResult>;
  return { environment, result };
}

/** Whether `promise` settles within `ms` (the watch must still be running after that). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true, () => true), new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return settled;
}

test('the watch stream names the worker, then says how long the call has heard audio', async () => {
  const server = await serveHealth(0, { live: () => ({ healthy: true }), routes: { '/watch': serveMediaWatch({ workerId: 'w-1', audioMs: (callId) => (callId === 'c-1' ? 700 : undefined), intervalMs: 20 }) } });
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<import('node:http').IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/watch?callId=c-1`, resolve));
  assert.equal(response.headers['content-type'], 'application/x-ndjson');
  let text = '';
  for await (const chunk of response) {
    text += chunk;
    if (text.split('\n').length > 3) break;
  }
  const lines = text.split('\n').slice(0, 3).map((line) => JSON.parse(line));
  assert.deepEqual(lines, [{ workerId: 'w-1' }, { audioMs: 700 }, { audioMs: 700 }]);
  response.destroy();
  const long = await fetch(`http://127.0.0.1:${port}/watch?callId=${'x'.repeat(201)}`);
  assert.equal(long.status, 400);
  assert.match(await long.text(), /longer than 200/);
  const post = await fetch(`http://127.0.0.1:${port}/watch`, { method: 'POST' });
  assert.equal(post.status, 405);
  server.close();
  server.closeAllConnections();
});

test('the watch address: the listen host, the advertised one, or an external address for 0.0.0.0', () => {
  assert.equal(mediaWatchUrl(3002, '127.0.0.1'), 'http://127.0.0.1:3002/watch');
  assert.equal(mediaWatchUrl(3002, '0.0.0.0', 'media-1.internal'), 'http://media-1.internal:3002/watch');
  assert.equal(mediaWatchUrl(3002, '::1'), 'http://[::1]:3002/watch');
  assert.match(mediaWatchUrl(3002, '0.0.0.0'), /^http:\/\/\d+\.\d+\.\d+\.\d+:3002\/watch$/);
});

test('a killed worker process is reported gone (its port refuses), with the audio the call had heard', async () => {
  const { child, port } = await watchProcess('worker-a');
  const { result } = watch(port, 'worker-a');
  assert.equal(await settlesWithin(result, 400), false, 'a live worker is not reported');
  child.kill('SIGKILL');
  const gone: WatchMediaWorkerResult = await result;
  assert.equal(gone.gone, 'refused');
  assert.equal(gone.heardMs, 1234);
  assert.ok(gone.confirmedMs >= 0);
});

test('a stopped worker process is not reported gone (heartbeats decide that); cancelled, the watch ends', async () => {
  const { child, port } = await watchProcess('worker-b');
  const { environment, result } = watch(port, 'worker-b');
  child.kill('SIGSTOP');
  assert.equal(await settlesWithin(result, 1500), false, 'a stopped process keeps its connections: no verdict');
  environment.cancel();
  await assert.rejects(result, (error: Error) => error.name === 'CancelledFailure');
  child.kill('SIGKILL');
});

test('a live worker that drops the connection is watched again, not reported; another worker on its port later is "replaced"', async () => {
  // A server that ends each stream after its first line, while staying up.
  let connections = 0;
  let identity = 'worker-c';
  const flaky = createServer((_, response) => {
    connections++;
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.end(`${JSON.stringify({ workerId: identity })}\n`);
  });
  flaky.listen(0, '127.0.0.1');
  await once(flaky, 'listening');
  const { port } = flaky.address() as AddressInfo;
  const { result } = watch(port, 'worker-c');
  assert.equal(await settlesWithin(result, 800), false, 'dropped streams of a live worker are no verdict');
  assert.ok(connections >= 2, `it looked again (${connections} connections)`);
  // The same port now answers as another worker (the process was replaced).
  identity = 'worker-e';
  const gone = await result;
  assert.equal(gone.gone, 'replaced');
  flaky.close();
  flaky.closeAllConnections();
});

test('an address that never answered as the worker is no verdict (a misconfigured advertised host must not move calls)', async () => {
  const { child, port } = await watchProcess('someone-else');
  const wrongWorker = watch(port, 'worker-f');
  child.kill('SIGKILL');
  await once(child, 'exit');
  const nobody = watch(port, 'worker-g');
  assert.equal(await settlesWithin(wrongWorker.result, 600), false, 'another worker answering from the start is no verdict');
  assert.equal(await settlesWithin(nobody.result, 10), false, 'a port that always refused is no verdict');
  for (const { environment, result } of [wrongWorker, nobody]) {
    environment.cancel();
    await assert.rejects(result, (error: Error) => error.name === 'CancelledFailure');
  }
});

test('a watch address that is not http is refused at once', async () => {
  const environment = new MockActivityEnvironment();
  await assert.rejects(
    environment.run(activities.watchMediaWorker, { watchUrl: 'file:///etc/passwd', workerId: 'w', callId: 'c' }),
    (error: Error) => /not http/.test(error.message),
  );
});
