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

// The old pattern took 11 s on the first two (3,000 characters) and minutes on 8,000; the timeout
// reports it (node:test cannot stop synchronous code, so the inputs are kept small enough to end).
test('catastrophic inputs are parsed and rendered in linear time', { timeout: 2000 }, () => {
  for (const evil of [`{{${' '.repeat(3000)}}`, `{{${' '.repeat(3000)}`, '{{'.repeat(25_000), `{{ a${'.a'.repeat(25_000)}!}}`, `${'{{ '.repeat(20_000)}}}`]) {
    const parsed = parseTemplate(evil);
    assert.ok(parsed.errors.length > 0, 'each is refused with a reason');
    assert.equal(typeof renderTemplate(evil, {}).text, 'string');
  }
});
