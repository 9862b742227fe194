import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateFlow } from './validate';
import { staticPrompts } from './prompts';
import { salesSupportSample } from './samples';

test('static prompts: spoken settings without variables, with the node voice; variables and non-spoken settings left out', () => {
  const graph = {
    start: 'hello',
    nodes: [
      { id: 'hello', type: 'greet', label: 'Hello', config: { text: 'Welcome to Acme.', voice: 'en-gb', language: 'en' } },
      { id: 'personal', type: 'greet', config: { text: 'Hello {{call.caller}}.' } },
      { id: 'set', type: 'setVariable', config: { assignments: [{ name: 'team', value: 'sales' }] } },
      { id: 'ask', type: 'listen', config: { prompt: 'What can we do for you?' } },
      { id: 'bye', type: 'hangup', config: { farewell: 'Goodbye.' } },
    ],
    edges: [
      { from: 'hello', exit: 'next', to: 'personal' },
      { from: 'personal', exit: 'next', to: 'set' },
      { from: 'set', exit: 'next', to: 'ask' },
      { from: 'ask', exit: 'heard', to: 'bye' },
      { from: 'ask', exit: 'noInput', to: 'bye' },
    ],
  };
  const result = validateFlow(graph);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.deepEqual(staticPrompts(result.flow), [
    { nodeId: 'hello', field: 'text', text: 'Welcome to Acme.', voice: 'en-gb', language: 'en' },
    { nodeId: 'ask', field: 'prompt', text: 'What can we do for you?' },
    { nodeId: 'bye', field: 'farewell', text: 'Goodbye.' },
  ]);
});

test('the sample flow has its menu prompts among its static prompts', () => {
  const result = validateFlow(salesSupportSample.graph);
  assert.ok(result.ok);
  const fields = staticPrompts(result.flow).map((p) => `${p.nodeId}.${p.field}`);
  assert.ok(fields.some((f) => f.endsWith('.prompt')), fields.join(', '));
  assert.ok(fields.some((f) => f.endsWith('.noMatchPrompt')), fields.join(', '));
});
