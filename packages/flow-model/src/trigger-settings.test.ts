import assert from 'node:assert/strict';
import { test } from 'node:test';
import { triggerSettings } from './trigger-settings';

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
