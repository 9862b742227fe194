import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { createTestDatabase } from '../test/support/database';
import { flows, flowVersions, phoneTriggers } from './schema';
import { SAMPLE_NUMBER, seedSampleFlow } from './seed';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

test('a fresh install gets the published sample flow on the sample number, once', async () => {
  assert.equal(await seedSampleFlow(database.db), true);
  assert.equal(await seedSampleFlow(database.db), false, 'a second run adds nothing');
  const allFlows = await database.db.select().from(flows);
  assert.equal(allFlows.length, 1);
  const [version] = await database.db.select().from(flowVersions).where(eq(flowVersions.flowId, allFlows[0]!.id));
  assert.equal(version?.version, 1);
  assert.equal(version?.graph.nodes.length, 6);
  const [trigger] = await database.db.select().from(phoneTriggers);
  assert.deepEqual([trigger?.phoneNumber, trigger?.flowId], [SAMPLE_NUMBER, allFlows[0]!.id]);
});
