/** Versioned node types: settings saved by an older version are upgraded on read, on publish and when a call runs them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineNodeType } from './define';
import type { RunnableNode } from './graph';
import { nodeTypes } from './node-types/index';
import { currentNode, upgradeGraph, upgradeNode, upgradeSettings } from './upgrade';
import { validateFlow } from './validate';

/** A flow as version 1 of the Transfer step stored it (before typeVersion was written, too). */
const storedV1 = {
  start: 'hello',
  nodes: [
    { id: 'hello', type: 'greet', config: { text: 'Connecting you.' } },
    { id: 'toDesk', type: 'transfer', typeVersion: 1, label: 'To the desk', config: { to: '+14155550123', announcement: 'One moment.', ringingTone: false } },
    { id: 'toShop', type: 'transfer', config: { to: 'sip:shop@example.com' } },
    { id: 'bye', type: 'hangup', config: {} },
  ],
  edges: [
    { from: 'hello', exit: 'next', to: 'toDesk' },
    { from: 'toDesk', exit: 'failed', to: 'toShop' },
    { from: 'toShop', exit: 'failed', to: 'bye' },
  ],
};

test('a stored version 1 flow validates as the current version: one destination becomes a list of one', () => {
  assert.equal(nodeTypes.transfer.version, 2);
  const result = validateFlow(storedV1);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const desk = result.flow.nodes.find((node) => node.id === 'toDesk');
  assert.deepEqual(desk, { id: 'toDesk', type: 'transfer', typeVersion: 2, label: 'To the desk', config: { targets: ['+14155550123'], announcement: 'One moment.', ringingTone: false } });
  const shop = result.flow.nodes.find((node) => node.id === 'toShop');
  assert.deepEqual(shop?.config, { targets: ['sip:shop@example.com'], ringingTone: true });
  // Types still at version 1 are as they were.
  assert.equal(result.flow.nodes.find((node) => node.id === 'hello')?.typeVersion, 1);
});

test('a draft is upgraded for the canvas even when it is not valid yet; the validator then names the field', () => {
  const draft = upgradeGraph({ start: 'x', nodes: [{ id: 'x', type: 'transfer', typeVersion: 1, config: {} }, { id: 'y', type: 'noSuchType', config: { to: 1 } }] });
  assert.deepEqual(draft.nodes[0], { id: 'x', type: 'transfer', typeVersion: 2, config: { targets: [] } });
  assert.deepEqual(draft.nodes[1], { id: 'y', type: 'noSuchType', config: { to: 1 } });
  const result = validateFlow(draft);
  assert.ok(!result.ok);
  assert.deepEqual(
    result.problems.filter((problem) => problem.nodeId === 'x').map((problem) => [problem.field, problem.message]),
    [['targets', 'Add a number or SIP address to transfer to']],
  );
  // Not a graph at all: left for the validator.
  assert.equal(upgradeGraph('nonsense'), 'nonsense');
});

test('settings already in the current shape pass, with or without typeVersion', () => {
  const node = { id: 't', type: 'transfer', config: { targets: ['+14155550123', '+14155550124'] } };
  assert.deepEqual(upgradeNode(node).config, { targets: ['+14155550123', '+14155550124'] });
  const current = { ...node, typeVersion: 2 };
  assert.equal(upgradeNode(current), current);
});

test('the interpreter runs a node of an old published version upgraded, and a current one untouched', () => {
  const v1 = { id: 't', type: 'transfer', typeVersion: 1, config: { to: '+14155550123', ringingTone: true } } as unknown as RunnableNode;
  assert.deepEqual(currentNode(v1), { id: 't', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550123'], ringingTone: true } });
  const v2 = { id: 't', type: 'transfer', typeVersion: 2, config: { targets: ['+14155550123'], ringingTone: true } } as RunnableNode;
  assert.equal(currentNode(v2), v2);
});

test('a version with no upgrade to the next, or newer than the server knows, is a problem that says so', () => {
  const ask = defineNodeType({
    type: 'ask',
    version: 3,
    label: 'Ask',
    help: '',
    category: 'input',
    config: z.object({ question: z.string() }),
    upgrades: { 2: ({ text, ...rest }) => ({ ...rest, question: text }) },
    exits: () => ['next'],
    waitsForCaller: true,
    terminal: false,
  });
  assert.deepEqual(upgradeSettings(ask, 2, { text: 'Why?' }), { ok: true, settings: { question: 'Why?' } });
  assert.deepEqual(upgradeSettings(ask, 1, { text: 'Why?' }), { ok: false, message: 'Ask version 1 has no upgrade to version 2' });
  const newer = validateFlow({ start: 't', nodes: [{ id: 't', type: 'transfer', typeVersion: 3, config: {} }] });
  assert.ok(!newer.ok);
  assert.deepEqual(newer.problems.map((problem) => [problem.code, problem.field]), [['unsupportedTypeVersion', 'typeVersion']]);
});
