/**
 * Replay safety: histories recorded from real calls (workflows/histories/*.json) must replay
 * against the current workflow code. A change that would alter them needs `patched()`.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from '../test/support/temporal';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

test('recorded call histories replay against the current workflow code', async () => {
  quietRuntime();
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  assert.ok(files.length > 0, 'there are history fixtures');
  const bundle = await workflowBundle();
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(await readFile(`${dir}${file}`, 'utf8')));
    // Throws DeterminismViolationError when the code no longer matches the history.
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, file.replace(/\.json$/, ''));
  }
});

test('a history that the code would not produce is caught', async () => {
  quietRuntime();
  const [file] = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const json = JSON.parse(await readFile(`${dir}${file}`, 'utf8'));
  // Pretend the recorded call ran a different activity first: the code schedules attachMedia.
  const scheduled = json.events.find((event: any) => event.activityTaskScheduledEventAttributes);
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
  await assert.rejects(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(json), 'tampered'),
    (error: Error) => error.name === 'DeterminismViolationError',
  );
});
