import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ThreadCpuSampler } from './thread-cpu';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('the sampler counts the main thread and a thread that started and exited while it ran', async () => {
  const sampler = new ThreadCpuSampler(process.pid, 50);
  spin(600);
  // A thread that lives only during the sampling, as WebRTC's per-call threads do.
  const worker = new Worker('const end = performance.now() + 800; while (performance.now() < end);', { eval: true });
  await new Promise((resolve) => worker.once('exit', resolve));
  const groups = sampler.stop();
  const main = groups.get('js main thread') ?? 0;
  const others = [...groups].filter(([group]) => group !== 'js main thread').reduce((sum, [, seconds]) => sum + seconds, 0);
  // Wall-clock spins; on a busy machine a thread gets less CPU than that, so the bounds are loose.
  assert.ok(main >= 0.15, `main thread ${main} s`);
  assert.ok(others >= 0.15, `the exited thread's CPU was counted: ${others} s outside the main thread`);
});
