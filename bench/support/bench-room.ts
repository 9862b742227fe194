/**
 * A LiveKit server, a room in it and a benchmark caller, shared by the suites that measure the media
 * session in a real room (speech, barge-in, prompts). The caller can publish a microphone fed in
 * 10 ms chunks and can listen to what the agent plays; `close()` tears everything down.
 */
import { AudioFrame, AudioSource, AudioStream, LocalAudioTrack, Room, RoomEvent, TrackKind, TrackPublishOptions, TrackSource, type RemoteTrack } from '@livekit/rtc-node';
import { createJoinToken, joinRoom } from '../../activities/media/livekit-session';
import type { JoinOptions, MediaSession } from '../../activities/media/types';
// @ts-expect-error plain .mjs helper without types
import { startLiveKit } from '../../scripts/lib/services.mjs';

const RATE = 16_000;
/** 10 ms at 16 kHz. */
const CHUNK = 160;

export interface BenchRoom {
  /** Where and how to join: pass to joinRoom / createJoinToken. */
  conn: { url: string; apiKey: string; apiSecret: string; roomName: string };
  caller: Room;
  /** Joins a media session (the agent) to the room. */
  joinAgent(options: Omit<JoinOptions, keyof BenchRoom['conn'] | 'identity'> & { identity?: string }): Promise<MediaSession>;
  /** The caller's microphone; only with `{ microphone: true }`. */
  mic: BenchMicrophone | undefined;
  /** Waits until the agent sees the caller (and the caller hears the agent, when it listens). */
  meet(agent: MediaSession): Promise<void>;
  close(): Promise<void>;
}

export interface BenchMicrophone {
  /** Sends the audio (16 kHz mono) in 10 ms chunks after what is queued; resolves when all is sent. */
  play(audio: Int16Array): Promise<void>;
  /** Drops what is queued. */
  clear(): void;
  /** Called for every chunk with the time it will reach the track (queue included). */
  onSend?: (chunk: Int16Array, at: number) => void;
}

/** Splits audio into 10 ms chunks, the last one padded with silence. */
export function tenMsChunks(audio: Int16Array): Int16Array[] {
  const chunks: Int16Array[] = [];
  for (let at = 0; at < audio.length; at += CHUNK) {
    const chunk = new Int16Array(CHUNK);
    chunk.set(audio.subarray(at, at + CHUNK));
    chunks.push(chunk);
  }
  return chunks;
}

export function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * `microphone`: publish a caller microphone (kept filled with silence between plays);
 * `hear`: called with every 10 ms frame the caller receives from the agent.
 */
export async function openBenchRoom(name: string, options: { microphone?: boolean; hear?: (frame: Int16Array, at: number) => void } = {}): Promise<BenchRoom> {
  const lk = (await startLiveKit({})) as { url: string; apiKey: string; apiSecret: string; stop(): Promise<void> };
  const conn = { url: lk.url, apiKey: lk.apiKey, apiSecret: lk.apiSecret, roomName: `bench-${name}-${process.pid}` };
  const caller = new Room();
  const agents: MediaSession[] = [];
  let closed = false;

  let mic: BenchMicrophone | undefined;
  let track: LocalAudioTrack | undefined;
  let pump: Promise<void> | undefined;
  if (options.microphone) {
    const source = new AudioSource(RATE, 1, 40);
    track = LocalAudioTrack.createAudioTrack('caller-mic', source);
    let queue: Int16Array[] = [];
    let drained: (() => void) | undefined;
    const microphone: BenchMicrophone = {
      play(audio) {
        queue.push(...tenMsChunks(audio));
        return new Promise<void>((resolve) => (drained = resolve));
      },
      clear() {
        queue = [];
      },
    };
    pump = (async () => {
      while (!closed) {
        const chunk = queue.shift();
        if (!chunk && drained) {
          drained();
          drained = undefined;
        }
        const frame = chunk ?? new Int16Array(CHUNK);
        await source.captureFrame(new AudioFrame(frame, RATE, 1, CHUNK));
        if (chunk) microphone.onSend?.(chunk, performance.now() + source.queuedDuration);
      }
    })();
    mic = microphone;
  }

  let hearing = false;
  if (options.hear) {
    const hear = options.hear;
    caller.on(RoomEvent.TrackSubscribed, (remote: RemoteTrack) => {
      if (remote.kind !== TrackKind.KIND_AUDIO || hearing) return;
      hearing = true;
      const stream = new AudioStream(remote, { sampleRate: RATE, numChannels: 1 });
      void (async () => {
        for await (const frame of stream) {
          if (closed) break;
          hear(frame.data.subarray(0, frame.samplesPerChannel), performance.now());
        }
      })().catch(() => {});
    });
  }

  const close = async () => {
    closed = true;
    await pump?.catch(() => {});
    for (const agent of agents) await agent.close().catch(() => {});
    await caller.disconnect().catch(() => {});
    await track?.close(true).catch(() => {});
    await lk.stop();
  };

  try {
    // rtc-node can fail to complete a connect (seen once under load): bound it so a run never hangs.
    await withDeadline(
      caller.connect(lk.url, await createJoinToken({ ...conn, identity: 'caller-bench' }), { autoSubscribe: options.hear !== undefined, dynacast: false }),
      20_000,
      'the benchmark caller could not join the LiveKit room',
    );
    if (track) {
      const publish = new TrackPublishOptions();
      publish.source = TrackSource.SOURCE_MICROPHONE;
      await caller.localParticipant?.publishTrack(track, publish);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    conn,
    caller,
    mic,
    async joinAgent(agentOptions) {
      const agent = await joinRoom({ ...conn, identity: `agent-bench-${agents.length}`, ...agentOptions } as JoinOptions);
      agents.push(agent);
      return agent;
    },
    async meet(agent) {
      const deadline = Date.now() + 20_000;
      while (!agent.callerPresent || (options.hear !== undefined && !hearing)) {
        if (Date.now() > deadline) throw new Error('the agent and the benchmark caller never met');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Let the tracks settle before measuring.
      await new Promise((r) => setTimeout(r, 500));
    },
    close,
  };
}
