import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTemplate, renderTemplate } from './template';

test('renders variables and reports the missing ones as empty', () => {
  const result = renderTemplate('Hi {{ flow.name }}, you called {{call.called}} about {{flow.topic}}.', {
    'flow.name': 'Ada',
    'call.called': '+14155550100',
  });
  assert.equal(result.text, 'Hi Ada, you called +14155550100 about .');
  assert.deepEqual(result.missing, ['flow.topic']);
});

test('placeholders are paths only: nothing else is evaluated', () => {
  const evil = "{{constructor.constructor('return process')()}} {{ 1+1 }} {{__proto__.x}}";
  const result = renderTemplate(evil, { '__proto__.x': 'no' });
  assert.equal(result.text, evil.replace('{{__proto__.x}}', 'no'));
  const parsed = parseTemplate(evil);
  assert.equal(parsed.errors.length, 2);
  assert.deepEqual(parsed.references.map((reference) => reference.path), ['__proto__.x']);
});

test('a value that looks like a placeholder is not rendered again', () => {
  assert.equal(renderTemplate('{{flow.a}}', { 'flow.a': '{{flow.b}}', 'flow.b': 'x' }).text, '{{flow.b}}');
});

test('unclosed placeholders and bare names are syntax errors', () => {
  assert.equal(parseTemplate('Hello {{flow.name').errors.length, 1);
  assert.match(parseTemplate('Hello {{name}}').errors[0]!.message, /not a variable/);
  assert.deepEqual(parseTemplate('no placeholders').references, []);
});
