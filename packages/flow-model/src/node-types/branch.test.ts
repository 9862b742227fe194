import assert from 'node:assert/strict';
import { test } from 'node:test';
import { branch, linearMatch, MAX_MATCH_INPUT, testCondition } from './branch';

const matches = (value: string) => branch.config.safeParse({ conditions: [{ id: 'hit', variable: 'flow.x', operator: 'matches', value }] });

// With a backtracking engine `(a+)+$` on 30 a's and a b takes seconds to minutes; the timeout
// reports that (node:test cannot stop synchronous code, so the input is kept small enough to end).
test('"matches" runs in linear time, whatever the pattern and however long the value', { timeout: 2000 }, () => {
  const evil = `${'a'.repeat(30)}b`;
  assert.equal(testCondition('matches', evil, '(a+)+$', false), false);
  assert.equal(testCondition('matches', evil, '(a|aa)*c', false), false);
  assert.equal(testCondition('matches', `${'x'.repeat(200_000)}needle`, 'needle', false), false, 'values are cut to the first 10,000 characters');
  assert.equal(testCondition('matches', `${'x'.repeat(MAX_MATCH_INPUT - 6)}needle`, 'needle', false), true);
});

test('"matches" keeps its meaning: anywhere in the value, optionally ignoring case', () => {
  assert.equal(testCondition('matches', 'Order 12345', '\\d{5}', true), true);
  assert.equal(testCondition('matches', 'ORDER', '^order$', true), true);
  assert.equal(testCondition('matches', 'ORDER', '^order$', false), false);
  assert.equal(linearMatch('(', 'x', false), false, 'a broken pattern (e.g. from a variable) never matches');
  assert.equal(linearMatch('a'.repeat(2000), 'a'.repeat(2000), false), false, 'an over-long rendered pattern never matches');
});

test('patterns the linear engine cannot run are refused when the flow is saved, saying why', () => {
  for (const value of ['(a)\\1', '(?=a)b', '(?<!x)y']) {
    const result = matches(value);
    assert.equal(result.success, false, value);
    assert.match(result.error!.issues[0]!.message, /Not a pattern this step can run \(RE2 syntax/);
  }
  assert.equal(matches('^(\\d{3})-\\d{4}$').success, true);
  assert.match(matches('a'.repeat(201)).error!.issues[0]!.message, /under 200 characters/);
});
