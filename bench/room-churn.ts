/**
 * Room churn: what one LiveKit room session leaves behind in a process's resident memory. A child
 * process joins a room, (optionally) publishes the agent's track and says a prompt, and leaves,
 * ROOM_CHURN_SESSIONS times (200) against a local LiveKit server; it reports its resident memory
 * after a warm-up of 50 sessions and at the end, and how many of the sessions' Room objects V8 has
 * collected (all: nothing in JavaScript holds them). Two variants: `bare` (rtc-node's Room connect and
 * disconnect, nothing else) and `session` (the media worker's own session: join, publish, say, close).
 * Growth in `bare` is rtc-node's native side; it is why media workers recycle (workers/recycle.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Room } from '@livekit/rtc-node';
// @ts-expect-error plain .mjs helper without types
import { startLiveKit } from '../scripts/lib/services.mjs';
import { createJoinToken, joinRoom } from '../activities/media/livekit-session';
import { EspeakTts } from '../activities/media/espeak-tts';
import type { Figure } from './report';
import { rssMb } from './support/process-memory';

const WARM_UP = 50;
type Variant = 'bare' | 'session';

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** In the child: runs the sessions and prints one JSON line of results. */
async function churn(variant: Variant, sessions: number, url: string): Promise<void> {
  const tts = new EspeakTts();
  let collected = 0;
  const rooms = new FinalizationRegistry(() => collected++);
  let warm = NaN;
  for (let i = 0; i < sessions; i++) {
    const roomName = `churn-${variant}-${i}`;
    if (variant === 'bare') {
      const room = new Room();
      rooms.register(room, i);
      await room.connect(url, await createJoinToken({ apiKey: 'devkey', apiSecret: 'secret', roomName, identity: 'agent-churn' }), { autoSubscribe: true, dynacast: false });
      await room.disconnect();
    } else {
      const session = await joinRoom({ url, apiKey: 'devkey', apiSecret: 'secret', roomName, identity: 'agent-churn', tts });
      await session.say('Thanks for calling.', { interruptible: false });
      await session.close();
    }
    if (i + 1 === WARM_UP) {
      gc();
      warm = rssMb();
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(JSON.stringify({ warm, end: rssMb(), collected }));
  process.exit(0);
}

function runChild(variant: Variant, sessions: number, url: string): Promise<{ warm: number; end: number; collected: number }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), 'child', variant, String(sessions), url], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const line = output.split('\n').find((text) => text.startsWith('{"warm"'));
      if (code !== 0 || !line) reject(new Error(`room churn (${variant}) exited ${code}: ${output.slice(-500)}`));
      else resolve(JSON.parse(line));
    }),
  );
}

export async function benchRoomChurn(): Promise<Figure[]> {
  const sessions = Math.max(WARM_UP + 50, Number(process.env.ROOM_CHURN_SESSIONS ?? 200));
  const liveKit = await startLiveKit({});
  const figures: Figure[] = [];
  try {
    for (const variant of ['bare', 'session'] as const) {
      const { warm, end, collected } = await runChild(variant, sessions, liveKit.url);
      const perSession = ((end - warm) * 1024) / (sessions - WARM_UP);
      figures.push(
        { name: `room_churn_${variant}_rss_per_session`, value: Math.round(perSession), unit: 'KB', note: `resident memory growth per session after ${WARM_UP} (${sessions} sessions)` },
        { name: `room_churn_${variant}_rss_end`, value: Math.round(end), unit: 'MB', note: `after ${WARM_UP}: ${Math.round(warm)} MB` },
        ...(variant === 'bare' ? [{ name: 'room_churn_bare_rooms_collected', value: collected, unit: 'rooms', note: `of ${sessions} Room objects, collected by V8` }] : []),
      );
    }
  } finally {
    await liveKit.stop();
  }
  return figures;
}

if (process.argv[2] === 'child') {
  await churn(process.argv[3] as Variant, Number(process.argv[4]), process.argv[5] as string);
}
