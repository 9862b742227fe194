import assert from 'node:assert/strict';
import { test } from 'node:test';
import { triggerSettings } from './trigger-settings';
import { nodeTypes } from './node-types/index';

test('trigger settings: providers, language and recording are checked; unknown keys are kept', () => {
  const parsed = triggerSettings.parse({ ttsProvider: 'elevenlabs', sttProvider: 'deepgram', language: 'en-US', recordCalls: true, callerChecks: { x: 1 } });
  assert.deepEqual(parsed, { ttsProvider: 'elevenlabs', sttProvider: 'deepgram', language: 'en-US', recordCalls: true, callerChecks: { x: 1 } });
  const wrong = triggerSettings.safeParse({ ttsProvider: 'polly', language: 'english please' });
  assert.equal(wrong.success, false);
  const messages = wrong.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  assert.deepEqual(messages, ['ttsProvider: ttsProvider is one of espeak, elevenlabs, openai', 'language: language is a BCP 47 tag such as en-US']);
});

test('speaking and listening nodes may choose their providers', () => {
  assert.equal(nodeTypes.greet.config.safeParse({ text: 'Hi', ttsProvider: 'openai' }).success, true);
  assert.equal(nodeTypes.greet.config.safeParse({ text: 'Hi', ttsProvider: 'deepgram' }).success, false);
  assert.equal(nodeTypes.listen.config.safeParse({ sttProvider: 'deepgram', ttsProvider: 'espeak' }).success, true);
  const menu = { prompt: 'Press 1', options: [{ id: 'one', digit: '1', label: 'One' }] };
  assert.equal(nodeTypes.menu.config.safeParse({ ...menu, speech: true, sttProvider: 'openai' }).success, true);
  assert.equal(nodeTypes.menu.config.safeParse({ ...menu, sttProvider: 'whisper' }).success, false);
});
