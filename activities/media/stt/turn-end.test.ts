import assert from 'node:assert/strict';
import test from 'node:test';
import { soundsFinished } from './turn-end.js';

test('a whole sentence or a short answer sounds finished', () => {
  for (const text of ['I would like to check my balance', 'my order has not arrived yet', 'yes', 'yes I can', 'thank you', "I can't log in", 'Tuesday.']) {
    assert.equal(soundsFinished(text), true, text);
  }
});

test('a sentence cut at an article, preposition, conjunction, pronoun or hesitation does not', () => {
  for (const text of ['I would like to', 'I need to change my', 'my order and', 'can I speak to the', 'I', 'I want', 'well um', 'because']) {
    assert.equal(soundsFinished(text), false, text);
  }
});

test('nothing said is not a finished turn', () => {
  assert.equal(soundsFinished(''), false);
  assert.equal(soundsFinished('  ...  '), false);
});
