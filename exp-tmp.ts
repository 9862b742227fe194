import { AudioStream, Room, RoomEvent, TrackKind, dispose } from '@livekit/rtc-node';
import { joinRoom, createJoinToken } from './activities/media/livekit-session.js';
import { EspeakTts } from './activities/media/espeak-tts.js';
const c = { url: 'ws://127.0.0.1:17890', apiKey: 'devkey', apiSecret: 'secret', roomName: 'exp-' + Date.now() };
const t0 = performance.now(); const T = () => Math.round(performance.now() - t0);
const agent = await joinRoom({ ...c, identity: 'agent-x', tts: new EspeakTts() });
console.log(T(), 'agent joined');
const room = new Room();
let subAt = 0;
room.on(RoomEvent.TrackSubscribed, async (track) => {
  if (track.kind !== TrackKind.KIND_AUDIO) return;
  subAt = T(); console.log(subAt, 'subscribed');
  let n = 0, win = 0, sq = 0;
  for await (const f of new AudioStream(track, { sampleRate: 16000, numChannels: 1 })) {
    if (n === 0) console.log(T(), 'first frame', f.samplesPerChannel);
    n++; for (const s of f.data.subarray(0, f.samplesPerChannel)) sq += s * s; win += f.samplesPerChannel;
    if (n % 25 === 0) { console.log(T(), 'frames', n, 'rms', Math.round(Math.sqrt(sq / win))); sq = 0; win = 0; }
  }
});
await room.connect(c.url, await createJoinToken({ ...c, identity: 'caller-x' }), { autoSubscribe: true, dynacast: false });
console.log(T(), 'caller joined');
while (!subAt) await new Promise(r => setTimeout(r, 10));
await new Promise(r => setTimeout(r, 500));
console.log(T(), 'say start');
console.log(T(), 'say done', await agent.say('Thank you for calling Switchboard. How can we help you today?', { interruptible: false }));
await new Promise(r => setTimeout(r, 1000));
await agent.close(); await room.disconnect(); await dispose();
