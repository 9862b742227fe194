import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEnv } from './env';

test("LiveKit's public development keys are refused for a LiveKit server that is not on this machine", () => {
  assert.throws(() => readEnv({ LIVEKIT_URL: 'wss://livekit.example.com' }), /public development credentials \(devkey \/ secret\), refused/);
  assert.throws(() => readEnv({ LIVEKIT_URL: 'ws://10.0.0.5:7880', LIVEKIT_API_KEY: 'prod', LIVEKIT_API_SECRET: 'secret' }), /devkey \/ secret/);
  assert.equal(readEnv({ LIVEKIT_URL: 'wss://livekit.example.com', LIVEKIT_API_KEY: 'prod', LIVEKIT_API_SECRET: 'a-long-real-secret' }).LIVEKIT_API_KEY, 'prod');
  for (const url of ['ws://127.0.0.1:7880', 'ws://localhost:7880', 'ws://[::1]:7880']) assert.equal(readEnv({ LIVEKIT_URL: url }).LIVEKIT_API_KEY, 'devkey', url);
});
