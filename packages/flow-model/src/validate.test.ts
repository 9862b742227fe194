import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appointmentAgentSample, nextNodeId, salesSupportSample, validateFlow, type FlowGraphInput } from './index';

function sample(): FlowGraphInput {
  return structuredClone(salesSupportSample.graph);
}

function problemsOf(graph: unknown) {
  const result = validateFlow(graph);
  assert.equal(result.ok, false, 'expected the flow to be rejected');
  return result.ok ? [] : result.problems;
}

test('the sample flow is valid and gets its defaults filled in', () => {
  const result = validateFlow(sample());
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const menu = result.flow.nodes.find((node) => node.id === 'mainMenu');
  assert.ok(menu && menu.type === 'menu');
  assert.equal(menu.config.retries, 2);
  assert.equal(menu.config.timeoutMs, 5000);
  assert.equal(menu.typeVersion, 1);
  const welcome = result.flow.nodes.find((node) => node.id === 'welcome');
  assert.ok(welcome && welcome.type === 'greet' && welcome.config.interruptible === true);
  assert.equal(nextNodeId(result.flow, 'mainMenu', 'support'), 'support');
  assert.equal(nextNodeId(result.flow, 'mainMenu', 'nothing'), undefined);
});

test('a config error names the node and the field', () => {
  const graph = sample();
  const menu = graph.nodes.find((node) => node.id === 'mainMenu')!;
  (menu.config as { options: Array<{ digit: string }> }).options[1]!.digit = '1';
  const problems = problemsOf(graph);
  assert.deepEqual(
    problems.map(({ code, nodeId, field }) => ({ code, nodeId, field })),
    [{ code: 'invalidConfig', nodeId: 'mainMenu', field: 'options.1.digit' }],
  );
  assert.match(problems[0]!.message, /Key 1 is already used by option 1/);
});

test('an empty message is rejected on its field', () => {
  const graph = sample();
  graph.nodes[0]!.config = { text: '   ' };
  const [problem] = problemsOf(graph);
  assert.equal(problem?.nodeId, 'welcome');
  assert.equal(problem?.field, 'text');
});

test('unknown node types, missing start and duplicate ids are reported', () => {
  const graph = sample();
  graph.start = 'nowhere';
  graph.nodes.push({ id: 'welcome', type: 'greet', config: { text: 'again' } });
  graph.nodes.push({ id: 'mystery', type: 'teleport', config: {} });
  const codes = problemsOf(graph).map((problem) => `${problem.code}:${problem.nodeId ?? ''}`);
  assert.ok(codes.includes('duplicateNodeId:welcome'), codes.join());
  assert.ok(codes.includes('unknownNodeType:mystery'), codes.join());
  assert.ok(codes.includes('unknownStart:'), codes.join());
});

test('dangling, unknown and doubled exits are reported on the edge', () => {
  const graph = sample();
  graph.edges!.push({ from: 'welcome', exit: 'next', to: 'sales' });
  graph.edges!.push({ from: 'mainMenu', exit: 'billing', to: 'sales' });
  graph.edges!.push({ from: 'sales', exit: 'next', to: 'ghost' });
  const problems = problemsOf(graph);
  assert.deepEqual(
    problems.map((problem) => [problem.code, problem.edgeIndex]),
    [
      ['duplicateExitEdge', 7],
      ['unknownExit', 8],
      ['unknownEdgeTarget', 9],
    ],
  );
});

test('an unconnected exit is reported on its node', () => {
  const graph = sample();
  graph.edges = graph.edges!.filter((edge) => !(edge.from === 'mainMenu' && edge.exit === 'noMatch'));
  const [problem] = problemsOf(graph);
  assert.equal(problem?.code, 'unconnectedExit');
  assert.equal(problem?.nodeId, 'mainMenu');
  assert.match(problem!.message, /noMatch/);
});

test('unreachable nodes are reported', () => {
  const graph = sample();
  graph.nodes.push({ id: 'orphan', type: 'hangup', config: {} });
  const [problem] = problemsOf(graph);
  assert.deepEqual([problem?.code, problem?.nodeId], ['unreachableNode', 'orphan']);
});

test('a loop that never waits for the caller is rejected, one through a menu is allowed', () => {
  const spin: FlowGraphInput = {
    start: 'a',
    nodes: [
      { id: 'a', type: 'greet', config: { text: 'one' } },
      { id: 'b', type: 'greet', config: { text: 'two' } },
    ],
    edges: [
      { from: 'a', exit: 'next', to: 'b' },
      { from: 'b', exit: 'next', to: 'a' },
    ],
  };
  const [problem] = problemsOf(spin);
  assert.equal(problem?.code, 'loopWithoutInput');

  const graph = sample();
  graph.edges = graph.edges!.map((edge) => (edge.from === 'sales' ? { ...edge, to: 'mainMenu' } : edge));
  assert.ok(validateFlow(graph).ok);
});

test('garbage never throws and says where it is wrong', () => {
  for (const input of [null, 42, 'flow', {}, { start: 1, nodes: 'x' }, { start: 'a', nodes: [{ id: 'bad id!', type: 'greet' }] }]) {
    const result = validateFlow(input);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.length > 0 && result.problems.every((p) => p.message.length > 0));
  }
  const [problem] = problemsOf({ start: 'a', nodes: [{ id: 'bad id!', type: 'greet' }] });
  assert.deepEqual([problem?.nodeId, problem?.field], ['bad id!', 'id']);
});

test('a type version newer than the server is refused', () => {
  const graph = sample();
  graph.nodes[0]!.typeVersion = 9;
  const [problem] = problemsOf(graph);
  assert.deepEqual([problem?.code, problem?.nodeId], ['unsupportedTypeVersion', 'welcome']);
});

test('the end-of-turn silence: a menu keeps 700 ms unless set; too short or too long is refused on its field with the range', () => {
  const ok = validateFlow(sample());
  const menu = ok.ok ? ok.flow.nodes.find((node) => node.id === 'mainMenu') : undefined;
  assert.ok(menu && menu.type === 'menu');
  assert.equal(menu.config.endSilenceMs, 700);
  for (const [value, wanted] of [
    [100, /at least 200 ms/],
    [9000, /at most 5000 ms/],
    [450.5, /whole number of milliseconds/],
    ['fast', /number of milliseconds/],
  ] as const) {
    const graph = sample();
    (graph.nodes.find((node) => node.id === 'mainMenu')!.config as Record<string, unknown>).endSilenceMs = value;
    const problems = problemsOf(graph);
    assert.deepEqual(problems.map(({ nodeId, field }) => ({ nodeId, field })), [{ nodeId: 'mainMenu', field: 'endSilenceMs' }], String(value));
    assert.match(problems[0]!.message, wanted);
  }
});

test('ending a free-speech turn at a pause after a finished sentence: on unless turned off; only true or false', () => {
  const graph = structuredClone(appointmentAgentSample.graph) as FlowGraphInput;
  const agentNode = graph.nodes.find((node) => node.type === 'aiAgent')!;
  const parsed = validateFlow(graph);
  assert.ok(parsed.ok);
  const agent = parsed.flow.nodes.find((node) => node.id === agentNode.id);
  assert.ok(agent?.type === 'aiAgent' && agent.config.endOnFinishedSentence === true);
  (agentNode.config as Record<string, unknown>).endOnFinishedSentence = false;
  const off = validateFlow(graph);
  assert.ok(off.ok);
  const offAgent = off.flow.nodes.find((node) => node.id === agentNode.id);
  assert.ok(offAgent?.type === 'aiAgent' && offAgent.config.endOnFinishedSentence === false);
  (agentNode.config as Record<string, unknown>).endOnFinishedSentence = 'yes';
  assert.deepEqual(problemsOf(graph).map(({ nodeId, field }) => ({ nodeId, field })), [{ nodeId: agentNode.id, field: 'endOnFinishedSentence' }]);
});
