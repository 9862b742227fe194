/**
 * End to end (starts servers and processes): the API process as `npm start` and compose run it
 * (api/server.ts) with a real Temporal dev server and PostgreSQL. It refuses to start without its
 * privacy keys, naming the missing one; with them it serves the codec endpoint with those keys and
 * creates the retention schedule once, however many times it starts. As it starts it has the
 * seeded sample flow's prompts cached (once).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { generatePrivacyEnv, readPrivacyKeys } from '../../lib/privacy/keys';
import { EncryptionCodec } from '../../lib/privacy/payload-codec';
import { RETENTION_SCHEDULE_ID } from '../../workflows/definitions';
import { createTestAccount, type TestAccount } from '../support/auth';
import { createTestDatabase } from '../support/database';
import { startProcess } from '../support/processes';
import { startTestTemporal } from '../support/temporal';
import { seedSampleFlow } from '../../db/seed';
import { flowVersions } from '../../db/schema';
import { warmPromptsWorkflowId } from '../../api/prompt-warming';

let temporal: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
/** The codec endpoint is for signed-in operators: an owner's API key. */
let operator: TestAccount;

before(async () => {
  [temporal, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
  operator = await createTestAccount(database.db, { role: 'owner' });
  assert.equal(await seedSampleFlow(database.db), true);
  env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, SWITCHBOARD_STORAGE_DIR: `data/test-artifacts/privacy-processes-${process.pid}`, LOG_LEVEL: 'warn' };
});
after(async () => {
  await temporal?.teardown();
  await database?.drop();
});

test('without a privacy key the API does not start, and says which variable to set', () => {
  const { CALLER_HASH_KEY: _omitted, ...partial } = generatePrivacyEnv();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    env: { ...process.env, ...env, ...partial, CALLER_HASH_KEY: '', PORT: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /API failed to start: CALLER_HASH_KEY must be set to a secret of at least 32 characters/);
});

test('with its keys the API serves the codec with them and creates the retention schedule once', async () => {
  const keys = generatePrivacyEnv();
  const codec = new EncryptionCodec(readPrivacyKeys(keys).payloadKeys);
  let firstRunId: string | undefined;
  for (let start = 0; start < 2; start++) {
    const api = await startProcess('api/server.ts', { ...env, ...keys }, 'PORT');
    try {
      const base = api.healthUrl.replace(/\/healthz$/, '');
      const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ callerNumber: '+14155550199' })]);
      const response = await fetch(`${base}/api/temporal-codec/decode`, {
        method: 'POST',
        headers: { ...operator.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          payloads: [
            {
              metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
              data: Buffer.from(encrypted!.data!).toString('base64'),
            },
          ],
        }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { payloads: Array<{ data: string }> };
      assert.deepEqual(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString('utf8')), { callerNumber: '+14155550199' });
      const schedules: string[] = [];
      for await (const schedule of temporal.client.schedule.list()) schedules.push(schedule.scheduleId);
      assert.deepEqual(schedules, [RETENTION_SCHEDULE_ID], `after start ${start + 1}`);
      const description = await temporal.client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
      assert.equal(description.action.type, 'startWorkflow');
      assert.equal(description.action.type === 'startWorkflow' ? description.action.workflowType : '', 'enforceRetention');
      // The seeded sample (never published through an API) has its prompts cached; a second start
      // finds that under way (no media worker runs here) and starts nothing.
      const [sample] = await database.db.select({ id: flowVersions.id }).from(flowVersions);
      assert.ok(sample);
      const warming = temporal.client.workflow.getHandle(warmPromptsWorkflowId(sample.id));
      let runId: string | undefined;
      for (let tries = 0; tries < 100 && !runId; tries++) {
        runId = await warming.describe().then(
          (running) => running.runId,
          () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
        );
      }
      assert.ok(runId, 'the sample flow’s prompts are being cached');
      if (start === 0) firstRunId = runId;
      else assert.equal(runId, firstRunId, 'not started again');
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  }
});
