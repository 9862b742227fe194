import assert from 'node:assert/strict';
import { test } from 'node:test';
import { triggerSettings } from './trigger-settings';
import { nodeTypes } from './node-types/index';

const paths = (value: unknown) => {
  const result = triggerSettings.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

test('every key is optional; other keys (added by other parts of the product) are kept', () => {
  assert.deepEqual(triggerSettings.parse({}), {});
  assert.deepEqual(triggerSettings.parse({ futureSetting: { mode: 'strict' } }), { futureSetting: { mode: 'strict' } });
});

test('recording needs a consent prompt', () => {
  assert.deepEqual(paths({ recordCalls: true }), ['recordingConsentPrompt: Recording calls needs a consent prompt that tells callers they are recorded']);
  assert.deepEqual(paths({ recordCalls: true, recordingConsentPrompt: '   ' }).length, 1);
  assert.deepEqual(paths({ recordCalls: true, recordingConsentPrompt: 'This call is recorded.' }), []);
  assert.deepEqual(paths({ recordCalls: false }), []);
});

test('providers, language, durations and business hours say what is wrong, and where', () => {
  assert.deepEqual(paths({ ttsProvider: 'polly', sttProvider: 'deepgram', language: 'en-US', maxCallSeconds: 10, menuTimeoutSeconds: 2.5, listenTimeoutSeconds: 61 }), [
    'ttsProvider: Choose one of espeak, elevenlabs, openai',
    'maxCallSeconds: The maximum call duration must be at least 30 seconds',
    'menuTimeoutSeconds: The menu timeout must be whole seconds',
    'listenTimeoutSeconds: The listen timeout must be at most 60 seconds',
  ]);
  assert.deepEqual(paths({ language: 'English' }), ['language: Use a language tag such as en-US, fr or pt-BR']);
  assert.match(paths({ businessHours: { timeZone: 'Mars/Base', weekly: {} } }).join('\n'), /businessHours\.timeZone: Not a known IANA time zone/);
});

test('speaking and listening nodes may choose their providers', () => {
  assert.equal(nodeTypes.greet.config.safeParse({ text: 'Hi', ttsProvider: 'openai' }).success, true);
  assert.equal(nodeTypes.greet.config.safeParse({ text: 'Hi', ttsProvider: 'deepgram' }).success, false);
  assert.equal(nodeTypes.listen.config.safeParse({ sttProvider: 'deepgram', ttsProvider: 'espeak' }).success, true);
  const menu = { prompt: 'Press 1', options: [{ id: 'one', digit: '1', label: 'One' }] };
  assert.equal(nodeTypes.menu.config.safeParse({ ...menu, speech: true, sttProvider: 'openai' }).success, true);
  assert.equal(nodeTypes.menu.config.safeParse({ ...menu, sttProvider: 'whisper' }).success, false);
});
