import assert from 'node:assert/strict';
import { test } from 'node:test';
import { salesSupportSample } from '@switchboard/flow-model';
import type { DraftGraph } from '../../api/types';
import { copyNodes, pasteNodes } from './clipboard';
import { autoLayout } from './auto-layout';
import { exitsOf } from './exits';
import {
  addNode,
  connect,
  documentFromDraft,
  emptyDocument,
  nodeIdProblem,
  removeElements,
  renameNode,
  updateNode,
  type FlowDocument,
} from './flow-document';
import { commit, redo, startHistory, undo } from './history';
import { checkDraft } from './problems';

function sample(): FlowDocument {
  return documentFromDraft('Sales and support', structuredClone(salesSupportSample.graph) as DraftGraph, structuredClone(salesSupportSample.layout));
}

test('building the sample from an empty canvas: first node is the start, exits follow the menu', () => {
  const first = addNode(emptyDocument('Test'), 'greet', { x: 0, y: 0 });
  const welcome = first.id;
  assert.equal(first.doc.graph.start, 'greet');
  assert.deepEqual(first.doc.graph.nodes[0]?.config, { text: '' }, 'required text starts empty; defaults are not written');
  const second = addNode(first.doc, 'menu', { x: 0, y: 150 });
  const menu = second.id;
  let doc = second.doc;
  assert.equal(menu, 'menu');
  assert.deepEqual(exitsOf(doc.graph.nodes[1]!), ['option1', 'noInput', 'noMatch']);
  doc = connect(doc, welcome, 'next', menu);
  doc = connect(doc, welcome, 'next', menu);
  assert.equal(doc.graph.edges.length, 1, 'connecting an exit again replaces its edge');

  const problems = checkDraft(doc.graph);
  assert.ok(problems.byNode.get('greet')?.some((p) => p.field === 'text'));
  assert.ok(problems.byNode.get('menu')?.some((p) => p.field === 'prompt'));
});

test('editing a menu option id moves its edge; removing the option drops it', () => {
  let doc = sample();
  const menu = () => doc.graph.nodes.find((node) => node.id === 'mainMenu')!;
  const options = () => menu().config.options as Array<{ id: string; digit: string; label: string }>;
  doc = updateNode(doc, 'mainMenu', { config: { ...menu().config, options: options().map((o) => (o.id === 'sales' ? { ...o, id: 'buy' } : o)) } });
  assert.deepEqual(doc.graph.edges.find((edge) => edge.from === 'mainMenu' && edge.to === 'sales'), { from: 'mainMenu', exit: 'buy', to: 'sales' });
  doc = updateNode(doc, 'mainMenu', { config: { ...menu().config, options: options().filter((o) => o.id !== 'buy') } });
  assert.equal(doc.graph.edges.some((edge) => edge.from === 'mainMenu' && edge.to === 'sales'), false);
  assert.equal(checkDraft(doc.graph).all[0]?.code, 'unreachableNode');
});

test('a duplicate key is reported on the option and the node keeps a handle per option', () => {
  const doc = sample();
  const node = doc.graph.nodes.find((n) => n.id === 'mainMenu')!;
  const options = structuredClone(node.config.options) as Array<{ digit: string }>;
  options[1]!.digit = '1';
  const broken = updateNode(doc, 'mainMenu', { config: { ...node.config, options } });
  const problems = checkDraft(broken.graph);
  assert.deepEqual(problems.byNode.get('mainMenu')?.map((p) => p.field), ['options.1.digit']);
  assert.deepEqual(exitsOf(broken.graph.nodes.find((n) => n.id === 'mainMenu')!), ['sales', 'support', 'noInput', 'noMatch']);
});

test('deleting the start node moves the start; deleting a node drops its edges and position', () => {
  const doc = removeElements(sample(), ['welcome']);
  assert.equal(doc.graph.start, 'mainMenu');
  assert.equal(doc.graph.edges.some((edge) => edge.from === 'welcome' || edge.to === 'welcome'), false);
  assert.equal('welcome' in doc.layout.nodes, false);
});

test('renaming a node rewrites start, edges and layout; ids are checked', () => {
  const doc = renameNode(sample(), 'welcome', 'hello');
  assert.equal(doc.graph.start, 'hello');
  assert.deepEqual(doc.graph.edges[0], { from: 'hello', exit: 'next', to: 'mainMenu' });
  assert.ok(doc.layout.nodes.hello);
  assert.ok(checkDraft(doc.graph).flow);
  assert.match(nodeIdProblem(doc, 'mainMenu') ?? '', /already/);
  assert.match(nodeIdProblem(doc, 'bad id') ?? '', /letters, digits/);
  assert.equal(nodeIdProblem(doc, 'mainMenu', 'mainMenu'), undefined);
});

test('copy and paste gives fresh ids and keeps the edges inside the selection', () => {
  const doc = sample();
  const clip = copyNodes(doc, ['sales', 'goodbye'])!;
  assert.equal(clip.edges.length, 1);
  const pasted = pasteNodes(doc, clip, { x: 500, y: 500 });
  assert.deepEqual(pasted.ids, ['sales2', 'goodbye2']);
  assert.deepEqual(pasted.doc.graph.edges.at(-1), { from: 'sales2', exit: 'next', to: 'goodbye2' });
  assert.deepEqual(pasted.doc.layout.nodes.sales2, { x: 500, y: 500 });
});

test('undo and redo; typing in one field is one step', () => {
  let history = startHistory(emptyDocument('a'));
  history = commit(history, emptyDocument('ab'), { coalesceKey: 'name', now: 0 });
  history = commit(history, emptyDocument('abc'), { coalesceKey: 'name', now: 300 });
  history = commit(history, emptyDocument('abcd'), { now: 400 });
  assert.equal(history.past.length, 2);
  history = undo(history);
  assert.equal(history.present.name, 'abc');
  history = undo(history);
  assert.equal(history.present.name, 'a');
  history = redo(history);
  assert.equal(history.present.name, 'abc');
});

test('auto-layout puts the start on top and each layer below the one before', () => {
  const doc = sample();
  const positions = autoLayout(doc);
  const y = (id: string) => positions[id]!.y;
  assert.ok(y('welcome') < y('mainMenu'));
  assert.ok(y('mainMenu') < y('sales') && y('mainMenu') < y('noChoice'));
  assert.ok(y('sales') < y('goodbye'));
});

test('auto-layout orders children as their exits are ordered', () => {
  const doc = sample();
  const positions = autoLayout(doc);
  const x = (id: string) => positions[id]!.x;
  // mainMenu's exits: sales, support, noInput, noMatch (→ noChoice).
  assert.ok(x('sales') < x('support') && x('support') < x('noChoice'), JSON.stringify(positions));
});
