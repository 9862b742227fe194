import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchSpokenOption, optionPhrases } from './speech-match';

const options = [
  { id: 'sales', digit: '1', label: 'Sales', synonyms: ['buy', 'pricing'] },
  { id: 'support', digit: '2', label: 'Support', synonyms: ['help', 'technical support', 'broken'] },
];

test('a label, a synonym or the key as a word selects the option', () => {
  assert.equal(matchSpokenOption(options, 'Sales please.'), 'sales');
  assert.equal(matchSpokenOption(options, "I'd like to buy something"), 'sales');
  assert.equal(matchSpokenOption(options, 'my phone is BROKEN!'), 'support');
  assert.equal(matchSpokenOption(options, 'two'), 'support');
});

test('the earliest phrase wins; nothing recognisable is no match', () => {
  assert.equal(matchSpokenOption(options, 'help me with pricing'), 'support');
  assert.equal(matchSpokenOption(options, 'technical support for pricing'), 'support');
  assert.equal(matchSpokenOption(options, 'the weather is nice'), undefined);
  assert.equal(matchSpokenOption(options, ''), undefined);
});

test('phrases are whole words: "salesman" is not "sales"', () => {
  assert.equal(matchSpokenOption(options, 'salesman'), undefined);
  assert.deepEqual(optionPhrases(options[0]!), ['Sales', 'buy', 'pricing', 'one']);
});
