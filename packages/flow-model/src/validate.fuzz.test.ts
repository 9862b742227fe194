/** Property tests: whatever a builder (or an attacker) sends, the validator answers and never throws. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nodeTypes, type NodeTypeDefinition } from './index';
import { validateFlow } from './validate';
import { arbitraryFlow } from './testing/arbitrary-flows';

const typeNames = [...Object.keys(nodeTypes), 'teleport', ''];
const anyConfig = fc.oneof(
  fc.dictionary(fc.constantFrom('text', 'prompt', 'options', 'conditions', 'assignments', 'url', 'timeZone', 'to', 'assetId', 'weekly'), fc.anything()),
  fc.constant({ text: 'Hello {{flow.x}}' }),
  fc.constant({ prompt: 'Pick', options: [{ id: 'a', digit: '1', label: 'A' }] }),
  fc.anything(),
);
const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'bad id', '');
const graphs = fc.record({
  start: fc.oneof(ids, fc.anything()),
  nodes: fc.oneof(fc.array(fc.record({ id: ids, type: fc.constantFrom(...typeNames), config: anyConfig, typeVersion: fc.option(fc.integer(), { nil: undefined }) }), { maxLength: 8 }), fc.anything()),
  edges: fc.oneof(fc.array(fc.record({ from: ids, exit: fc.constantFrom('next', 'noInput', 'noMatch', 'a', 'else', 'ok', 'x'), to: ids }), { maxLength: 12 }), fc.anything()),
});

test('random graphs never make the validator throw, and every problem says something', () => {
  fc.assert(
    fc.property(fc.oneof(graphs, fc.anything()), (input) => {
      const result = validateFlow(input);
      if (!result.ok) {
        assert.ok(result.problems.length > 0);
        for (const problem of result.problems) assert.ok(typeof problem.message === 'string' && problem.message.length > 0);
      }
    }),
    { numRuns: 3000, seed: 20261124 },
  );
});

test('well-formed flows are accepted, and an accepted flow is runnable: real start, every exit connected once', () => {
  fc.assert(
    fc.property(arbitraryFlow, (input) => {
      const result = validateFlow(input);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
      const flow = result.flow;
      const ids = new Set(flow.nodes.map((node) => node.id));
      assert.ok(ids.has(flow.start));
      for (const node of flow.nodes) {
        const exits = (nodeTypes[node.type] as NodeTypeDefinition).exits(node.config);
        for (const exit of exits) {
          const edges = flow.edges.filter((edge) => edge.from === node.id && edge.exit === exit);
          assert.equal(edges.length, 1);
          assert.ok(ids.has(edges[0]!.to));
        }
      }
    }),
    { numRuns: 1000, seed: 7 },
  );
});
