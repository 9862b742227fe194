/**
 * Which prompts are cached for a phone number: the version's static prompts as the number speaks
 * them (its voice and language where a step names none, its provider), plus its own lines; one
 * workflow per distinct set, whose id the ownership check (lib/workflow-owners.ts) reads back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_RECORDING_CONSENT_PROMPT, salesSupportSample, validateFlow, type FlowGraphInput } from '@switchboard/flow-model';
import { DEFAULT_WORKSPACE_ID, flows, flowVersions } from '../db/schema';
import { workflowOwners } from '../lib/workflow-owners';
import { createTestDatabase } from '../test/support/database';
import { numberPrompts, versionPrompts, warmPromptsWorkflowId } from './prompt-warming';

const runnable = (graph: FlowGraphInput) => {
  const result = validateFlow(graph);
  assert.ok(result.ok);
  return result.flow;
};

test('a number without voice settings or lines of its own speaks as the flow does: nothing more to cache', () => {
  assert.equal(numberPrompts({}), undefined);
  assert.equal(numberPrompts({ greeting: 'Hello', maxCallSeconds: 600 }), undefined);
  assert.equal(numberPrompts(undefined), undefined);
});

test('a number’s voice, language and provider apply where a step names none; its recording notice and recovery line are added', () => {
  const graph = structuredClone(salesSupportSample.graph);
  const welcome = graph.nodes.find((node) => node.id === 'welcome');
  assert.ok(welcome?.config);
  welcome.config = { ...welcome.config, voice: 'en-us+f3' };
  const flow = runnable(graph);
  const number = numberPrompts({ voice: 'en-gb', language: 'en-GB', ttsProvider: 'espeak', recordCalls: true, recoveryPrompt: 'Sorry about that.' });
  assert.deepEqual(number, { profile: { voice: 'en-gb', language: 'en-GB', ttsProvider: 'espeak' }, lines: [DEFAULT_RECORDING_CONSENT_PROMPT, 'Sorry about that.'] });
  const prompts = versionPrompts(flow, number);
  const plain = versionPrompts(flow);
  assert.equal(prompts.length, plain.length + 2);
  // The welcome step's own voice wins; every other prompt takes the number's.
  const welcomeText = (welcome.config as { text: string }).text;
  assert.deepEqual(prompts.find((prompt) => prompt.text === welcomeText), { text: welcomeText, voice: 'en-us+f3', language: 'en-GB', ttsProvider: 'espeak' });
  for (const prompt of prompts.filter((prompt) => prompt.text !== welcomeText)) assert.deepEqual({ ...prompt, text: '' }, { text: '', voice: 'en-gb', language: 'en-GB', ttsProvider: 'espeak' });
  assert.ok(prompts.some((prompt) => prompt.text === 'Sorry about that.'));
  // The flow's own set has no provider and no number voice.
  assert.ok(plain.every((prompt) => prompt.ttsProvider === undefined && prompt.voice !== 'en-gb'));
});

test('one workflow per distinct set: the same settings give the same id, other settings another', () => {
  const flow = runnable(salesSupportSample.graph);
  const versionId = '00000000-0000-4000-8000-000000000001';
  const a = versionPrompts(flow, numberPrompts({ voice: 'en-gb' }));
  const b = versionPrompts(flow, numberPrompts({ voice: 'en-gb' }));
  const c = versionPrompts(flow, numberPrompts({ voice: 'en-gb', recoveryPrompt: 'One moment.' }));
  assert.equal(warmPromptsWorkflowId(versionId), `warm-prompts-${versionId}`);
  assert.match(warmPromptsWorkflowId(versionId, a), new RegExp(`^warm-prompts-${versionId}-[0-9a-f]{12}$`));
  assert.equal(warmPromptsWorkflowId(versionId, a), warmPromptsWorkflowId(versionId, b));
  assert.notEqual(warmPromptsWorkflowId(versionId, a), warmPromptsWorkflowId(versionId, c));
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;
before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await database?.drop();
});

test('both kinds of prompt-caching workflow belong to the workspace of their version', async () => {
  const { db } = database;
  const [flow] = await db.insert(flows).values({ workspaceId: DEFAULT_WORKSPACE_ID, name: 'Owned', draftGraph: salesSupportSample.graph }).returning();
  assert.ok(flow);
  const runnableFlow = runnable(salesSupportSample.graph);
  const [version] = await db.insert(flowVersions).values({ workspaceId: DEFAULT_WORKSPACE_ID, flowId: flow.id, version: 1, graph: runnableFlow }).returning();
  assert.ok(version);
  const own = warmPromptsWorkflowId(version.id);
  const number = warmPromptsWorkflowId(version.id, versionPrompts(runnableFlow, numberPrompts({ voice: 'en-gb' })));
  const owners = await workflowOwners(db, [own, number, `${number}0`, `warm-prompts-${version.id}-not-a-hash`]);
  assert.deepEqual(Object.fromEntries(owners), { [own]: DEFAULT_WORKSPACE_ID, [number]: DEFAULT_WORKSPACE_ID });
});
