import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModelAnswers } from './scripted-run-panel';

test('AI agent answers of a scripted run: words, tool calls after |, failures; a bad call names its line', () => {
  assert.deepEqual(parseModelAnswers('Tuesday, great. What hour? | set_field day=tuesday\n\nBooked. | set_field hour=10 | finish booked\n| finish wantsHuman\nerror: timed out'), {
    answers: [
      { say: 'Tuesday, great. What hour?', tools: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] },
      { say: 'Booked.', tools: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }, { name: 'finish', arguments: { outcome: 'booked' } }] },
      { tools: [{ name: 'finish', arguments: { outcome: 'wantsHuman' } }] },
      { error: 'timed out' },
    ],
  });
  assert.match(parseModelAnswers('Hi.\nOkay | book it').error ?? '', /Model line 2: “book it”/);
});
