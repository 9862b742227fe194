import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALL_VARIABLES } from '@switchboard/flow-model';
import type { DraftGraph } from '../../api/types';
import { diffFlows, isSameFlow } from './diff';
import { templatedFields, variablesAt } from './variables';

const graph: DraftGraph = {
  start: 'init',
  nodes: [
    { id: 'init', type: 'setVariable', label: 'Remember', config: { assignments: [{ name: 'tier', value: 'gold' }] } },
    { id: 'lookup', type: 'httpRequest', label: 'Find caller', config: { url: 'https://example.com', responseMappings: [{ variable: 'name', path: 'name' }] } },
    { id: 'hours', type: 'businessHours', label: 'Open?', config: { timeZone: 'UTC', weekly: {} } },
    { id: 'hello', type: 'greet', label: 'Hello', config: { text: 'Hi' } },
    { id: 'elsewhere', type: 'setVariable', label: 'Unreachable', config: { assignments: [{ name: 'other', value: 'x' }] } },
  ],
  edges: [
    { from: 'init', exit: 'next', to: 'lookup' },
    { from: 'lookup', exit: 'ok', to: 'hours' },
    { from: 'hours', exit: 'open', to: 'hello' },
  ],
};

test('a step can use the call variables and what the steps before it set or output, not what others set', () => {
  const names = variablesAt(graph, 'hello').map((hint) => hint.name);
  assert.ok(names.includes('call.caller'));
  assert.ok(names.includes('flow.tier'), 'set by Remember');
  assert.ok(names.includes('flow.name'), 'mapped by Find caller');
  assert.ok(names.includes('hours.open'), 'output of Open?');
  assert.ok(!names.includes('flow.other'), 'a step that does not lead here');
  const atStart = variablesAt(graph, 'init').map((hint) => hint.name);
  // At the start, only what every call has (the model's call variables), in their order.
  assert.deepEqual(atStart, [...CALL_VARIABLES]);
  assert.ok(atStart.includes('call.screening'), 'what the caller checks decided');
  assert.ok(templatedFields('greet', { text: 'Hello {{call.caller}}' }).has('text'));
});

test('comparing two versions lists added, removed and changed steps with their settings, and connections', () => {
  const after: DraftGraph = structuredClone(graph);
  after.nodes = after.nodes.filter((node) => node.id !== 'elsewhere');
  (after.nodes[3] as { config: Record<string, unknown> }).config = { text: 'Hello there' };
  after.nodes.push({ id: 'bye', type: 'hangup', label: 'Bye', config: {} });
  after.edges.push({ from: 'hello', exit: 'next', to: 'bye' });
  after.edges = after.edges.filter((edge) => edge.from !== 'hours');
  const diff = diffFlows(graph, after);
  assert.deepEqual(diff.added.map((node) => node.id), ['bye']);
  assert.deepEqual(diff.removed.map((node) => node.id), ['elsewhere']);
  assert.deepEqual(diff.changed.map(({ node, changes }) => [node.id, changes]), [['hello', [{ path: 'text', before: 'Hi', after: 'Hello there' }]]]);
  assert.deepEqual(diff.connected, [{ from: 'hello', exit: 'next', to: 'bye' }]);
  assert.deepEqual(diff.disconnected, [{ from: 'hours', exit: 'open', to: 'hello' }]);
  assert.equal(diff.start, undefined);
  assert.equal(isSameFlow(diffFlows(graph, structuredClone(graph))), true);
});
