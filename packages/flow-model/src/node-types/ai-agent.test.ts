import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appointmentAgentSample, validateFlow, type FlowGraphInput } from '../index';
import { aiAgent, checkAgentField } from './ai-agent';

const sample = (): FlowGraphInput => structuredClone(appointmentAgentSample.graph);
const agentConfig = (graph: FlowGraphInput) => graph.nodes.find((node) => node.id === 'agent')!.config as Record<string, unknown>;

test('the appointment agent sample is valid: its outcomes and the fixed exits are its exits, its fields are flow variables', () => {
  const result = validateFlow(sample());
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const agent = result.flow.nodes.find((node) => node.id === 'agent');
  assert.ok(agent && agent.type === 'aiAgent');
  assert.deepEqual(aiAgent.exits(agent.config), ['booked', 'wantsHuman', 'notEligible', 'noInput', 'maxTurns', 'error']);
  assert.deepEqual(aiAgent.sets?.(agent.config), ['day', 'hour']);
  assert.equal(agent.config.maxTurns, 10);
  assert.equal(agent.config.connection.credential, 'llm');
});

test('the farewell may read the fields the agent collects; an unknown variable is refused', () => {
  const graph = sample();
  (graph.nodes.find((node) => node.id === 'confirm')!.config as { farewell: string }).farewell = 'Booked for {{flow.weekday}}.';
  const result = validateFlow(graph);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.problems.some((problem) => problem.nodeId === 'confirm' && /flow\.weekday/.test(problem.message)), JSON.stringify(!result.ok && result.problems));
});

test('bad settings are reported on the setting: reserved and doubled outcomes, a one-of field without choices, no model', () => {
  const graph = sample();
  const config = agentConfig(graph);
  config.outcomes = [
    { id: 'booked', description: 'done' },
    { id: 'booked', description: 'again' },
    { id: 'error', description: 'clash' },
  ];
  config.fields = [{ name: 'day', type: 'oneOf', choices: [] }];
  config.connection = { model: ' ', baseUrl: 'ftp://x' };
  config.tools = [
    { name: 'finish', description: 'x', url: 'https://example.com' },
    { name: 'lookup', description: 'y', url: 'https://example.com', parameters: { type: 'string' } },
  ];
  const result = validateFlow(graph);
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems.filter((problem) => problem.nodeId === 'agent' && problem.code === 'invalidConfig');
  const byField = Object.fromEntries(problems.map((problem) => [problem.field, problem.message]));
  assert.match(byField['outcomes.1.id'] ?? '', /already listed/);
  assert.match(byField['outcomes.2.id'] ?? '', /reserved/);
  assert.match(byField['fields.0.choices'] ?? '', /at least two choices/);
  assert.match(byField['connection.model'] ?? '', /Name the model/);
  assert.match(byField['connection.baseUrl'] ?? '', /http:\/\//);
  assert.match(byField['tools.0.name'] ?? '', /the step's own/);
  assert.match(byField['tools.1.parameters'] ?? '', /JSON schema of type object/);
});

test('an outcome without an edge is an unconnected exit', () => {
  const graph = sample();
  graph.edges = (graph.edges ?? []).filter((edge) => edge.exit !== 'wantsHuman');
  const result = validateFlow(graph);
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.problems.some((problem) => problem.nodeId === 'agent' && /wantsHuman/.test(problem.message)), JSON.stringify(!result.ok && result.problems));
});

test('field values are checked against their type and stored in one form; messages never repeat the value', () => {
  assert.deepEqual(checkAgentField({ name: 'hour', type: 'number', choices: [] }, '10'), { ok: true, value: '10' });
  assert.deepEqual(checkAgentField({ name: 'hour', type: 'number', choices: [] }, 14), { ok: true, value: '14' });
  assert.deepEqual(checkAgentField({ name: 'hour', type: 'number', choices: [] }, 'ten'), { ok: false, message: "Field 'hour' must be a number" });
  assert.deepEqual(checkAgentField({ name: 'on', type: 'date', choices: [] }, '2026-02-28'), { ok: true, value: '2026-02-28' });
  assert.equal(checkAgentField({ name: 'on', type: 'date', choices: [] }, '2026-02-30').ok, false);
  assert.equal(checkAgentField({ name: 'on', type: 'date', choices: [] }, 'next tuesday').ok, false);
  assert.deepEqual(checkAgentField({ name: 'ok', type: 'yesNo', choices: [] }, 'Yes'), { ok: true, value: 'yes' });
  assert.deepEqual(checkAgentField({ name: 'ok', type: 'yesNo', choices: [] }, false), { ok: true, value: 'no' });
  assert.deepEqual(checkAgentField({ name: 'day', type: 'oneOf', choices: ['monday', 'tuesday'] }, 'Tuesday'), { ok: true, value: 'tuesday' });
  const refused = checkAgentField({ name: 'day', type: 'oneOf', choices: ['monday', 'tuesday'] }, 'sunday');
  assert.ok(!refused.ok && !refused.message.includes('sunday'));
  assert.equal(checkAgentField({ name: 'note', type: 'text', choices: [] }, '  ').ok, false);
});
