import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeTypeUi, exitLabel } from '../node-types';
import { exitsOf } from './exits';
import { addNode, emptyDocument, updateNode } from './flow-document';
import { checkDraft } from './problems';

test('a new AI agent step: its outcome and the fixed exits are handles; problems point at the settings to fill in', () => {
  const { doc, id } = addNode(emptyDocument('Agent'), 'aiAgent', { x: 0, y: 0 });
  const node = doc.graph.nodes.find((candidate) => candidate.id === id)!;
  assert.deepEqual(exitsOf(node), ['done', 'noInput', 'maxTurns', 'error']);
  assert.equal(exitLabel('aiAgent', 'maxTurns', node.config), 'Limit reached');
  assert.equal(nodeTypeUi.aiAgent.summary(node.config), 'gpt-4o-mini · 1 outcome');
  const problems = checkDraft(doc.graph).byNode.get(id) ?? [];
  assert.ok(problems.some((problem) => problem.field === 'instructions' && /Tell the agent what to do/.test(problem.message)), JSON.stringify(problems));

  // Listing outcomes adds exits; each needs an edge.
  const edited = updateNode(doc, id, { config: { ...node.config, instructions: 'Book visits.', outcomes: [{ id: 'booked', description: 'Booked.' }, { id: 'wantsHuman', description: 'Asks for a person.' }] } });
  const updated = edited.graph.nodes.find((candidate) => candidate.id === id)!;
  assert.deepEqual(exitsOf(updated), ['booked', 'wantsHuman', 'noInput', 'maxTurns', 'error']);
  const unconnected = (checkDraft(edited.graph).byNode.get(id) ?? []).map((problem) => problem.message).join('\n');
  assert.match(unconnected, /booked/);
});
