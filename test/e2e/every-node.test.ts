// test-runner: serial (recognizes speech sent through LiveKit in real time; a loaded machine garbles it)
/**
 * End to end (starts servers): one call through a flow that uses every node type, with real media.
 * The virtual caller speaks (espeak-ng into its microphone) and presses keys; the media worker
 * recognizes speech offline (PocketSphinx + Silero VAD), plays an uploaded file, tries a transfer
 * (which fails: the caller is not a SIP participant) and records a voicemail.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import wavefile from 'wavefile';
import { runVirtualCaller } from '../../tools/caller/virtual-caller';
import { artifactsDir } from '../support/artifacts';
import { startStack, type Stack } from '../support/stack';
import { uniqueName } from '../support/temporal';
import { everyNodeFlow } from '../support/every-node-flow';
import { decodeHistory } from '../support/history';
import { EncryptionCodec } from '../../lib/privacy/payload-codec';

const { WaveFile } = wavefile;
let stack: Stack;
let service: Server;
let serviceUrl: string;

before(async () => {
  stack = await startStack();
  service = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Ada', plan: 'gold' }));
  });
  service.listen(0, '127.0.0.1');
  await new Promise((resolve) => service.once('listening', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
});
after(async () => {
  service?.close();
  await stack?.stop();
});

/** A one-second chime, uploaded as the Play audio node's file. */
async function uploadChime(): Promise<string> {
  const rate = 16_000;
  const samples = Int16Array.from({ length: rate }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 660 * i) / rate) * (1 - i / rate)));
  const wav = new WaveFile();
  wav.fromScratch(1, rate, '16', samples);
  const response = await fetch(`${stack.api}/api/assets?name=chime`, { method: 'POST', headers: { ...stack.authHeaders, 'content-type': 'audio/wav' }, body: Buffer.from(wav.toBuffer()) });
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

test('a caller goes through every node type: speech, a spoken menu, a failed transfer, audio, a voicemail', async (t) => {
  await fetch(`${stack.api}/api/workspace`, { method: 'PATCH', headers: { ...stack.authHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ settings: { allowPrivateNetwork: true } }) });
  const chime = await uploadChime();
  const graph = everyNodeFlow({ serviceUrl: `${serviceUrl}/customer`, assetId: chime, menuRetries: 1 });
  const flow = await stack.post('/api/flows', { name: 'Every node type', graph });
  await stack.post(`/api/flows/${flow.id}/versions`, { note: 'all node types' });
  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550166', flowId: flow.id });

  const roomName = uniqueName('every-node');
  const caller = runVirtualCaller({
    ...stack.liveKit,
    roomName,
    recordPath: `${artifactsDir}every-node.wav`,
    silenceHangoverMs: 1200,
    maxDurationMs: 90_000,
    script: [
      { say: 'I would like to buy a new phone', after: 'promptEnd' }, // after "Hello Ada. … How can I help?"
      { say: 'sales', after: 'promptEnd' }, // after "Say sales or support, or press 1 or 2."
      // After the announcement, the chime, the voicemail prompt and the beep: a message, then #.
      { say: 'Hello, this is Ada. Please call me back about my order.', after: 'promptEnd' },
      { press: '#', delayMs: 300 },
      { waitForPrompt: true },
    ],
  });
  const started = await stack.post('/api/calls', { roomName, calledNumber: '+14155550166', callerNumber: '+14155550177' });
  const heard = await caller;
  const handle = stack.temporal.client.workflow.getHandle(started.workflowId);
  const result = await handle.result();
  // Decrypted (the stack's keys are this run's only), so it can become a replay fixture.
  await writeFile(`${artifactsDir}every-node-live.history.json`, historyToJSON(await decodeHistory(await handle.fetchHistory(), new EncryptionCodec(stack.privacy.payloadKeys))));
  const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
  const events = record.events as Array<{ type: string; nodeId: string | null; data: Record<string, any> }>;
  const path = events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId);
  t.diagnostic(`path: ${path.join(' > ')}`);
  t.diagnostic(`said: ${JSON.stringify(events.filter((event) => event.type === 'callerSaid').map((event) => event.data.transcript))}`);

  assert.deepEqual(path, ['init', 'hours', 'lookup', 'hello', 'ask', 'route', 'menu', 'toSales', 'jingle', 'voicemail', 'bye']);
  assert.equal(result.endReason, 'completed');
  assert.equal(heard.hungUpByAgent, true);
  assert.ok(events.some((event) => event.type === 'httpRequestDone' && event.data.status === 200));
  const spoken = events.filter((event) => event.type === 'callerSaid');
  assert.equal(spoken.length, 2);
  assert.equal(spoken[1]?.nodeId, 'menu');
  assert.match(String(spoken[1]?.data.transcript), /sales/);
  assert.match(String(events.find((event) => event.type === 'transferFailed')?.data.error), /\S/);

  const voicemail = events.find((event) => event.type === 'voicemailRecorded');
  assert.ok(voicemail, 'a voicemail was recorded');
  assert.equal(voicemail.data.endedBy, 'key');
  const audio = await fetch(`${stack.api}/api/recordings/${encodeURIComponent(voicemail.data.recordingId)}/audio`, { headers: stack.authHeaders });
  assert.equal(audio.status, 200);
  const wav = new WaveFile(new Uint8Array(await audio.arrayBuffer()));
  const samples = wav.getSamples(false, Int16Array) as unknown as Int16Array;
  const seconds = samples.length / (wav.fmt as { sampleRate: number }).sampleRate;
  let energy = 0;
  for (const sample of samples) energy += sample * sample;
  const rms = Math.sqrt(energy / samples.length);
  t.diagnostic(`voicemail: ${seconds.toFixed(2)} s, rms ${rms.toFixed(0)}`);
  // "Hello, this is Ada. Please call me back about my order." takes espeak-ng about 3 s.
  assert.ok(seconds > 2 && seconds < 10, `voicemail of ${seconds} s`);
  assert.ok(rms > 300, `voicemail rms ${rms}`);
});
