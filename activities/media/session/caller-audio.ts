/**
 * The caller's audio in a session: their microphone track, read (16 kHz mono, CALLER_FRAME_MS
 * frames) only while anyone listens: speech recognition, barge-in, recording, in-band DTMF.
 */
import { AudioStream, type AudioFrame, type RemoteTrack } from '@livekit/rtc-node';
import type { CallerAudioListener } from '../types.js';

/** Rate of the caller's audio as listeners get it (speech recognition, VAD and DTMF models use 16 kHz). */
export const CALLER_AUDIO_SAMPLE_RATE = 16_000;
/**
 * Length of each frame of the caller's audio: one Silero VAD window (512 samples at 16 kHz), so
 * speech is noticed as soon as with 10 ms frames (the VAD decides per window anyway), at a third of
 * the frames (each one an FFI event that every room and stream in the process looks at).
 */
export const CALLER_FRAME_MS = 32;

/** The caller's track and its listeners; the track is read only while there are any. */
export class CallerAudioTap {
  private readonly listeners = new Set<CallerAudioListener>();
  /** The caller's subscribed microphone track, when there is one. */
  private track: RemoteTrack | undefined;
  /** The stream reading `track`, while anyone listens. */
  private stream: AudioStream | undefined;
  private reader: ReadableStreamDefaultReader<AudioFrame> | undefined;

  /** `ended`: true once the session has ended; no stream starts then. */
  constructor(private readonly ended: () => boolean) {}

  /** Adds a listener (starting to read the track); returns its unsubscribe function. */
  subscribe(listener: CallerAudioListener): () => void {
    this.listeners.add(listener);
    this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The caller's track went away (unsubscribed). */
  trackGone(track: RemoteTrack): void {
    if (track !== this.track) return;
    this.stop();
    this.track = undefined;
  }

  /** Drops every listener and stops reading. */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  /** A (new) caller track: listeners hear it from now on. */
  setTrack(track: RemoteTrack): void {
    if (track === this.track) return;
    this.stop();
    this.track = track;
    this.start();
  }

  /** Pulls the caller's audio while anyone listens; a no-op without listeners or track. */
  private start(): void {
    if (this.stream || !this.track || this.listeners.size === 0 || this.ended()) return;
    const stream = new AudioStream(this.track, { sampleRate: CALLER_AUDIO_SAMPLE_RATE, numChannels: 1, frameSizeMs: CALLER_FRAME_MS });
    const reader = stream.getReader();
    this.stream = stream;
    this.reader = reader;
    void this.pump(stream, reader);
  }

  private stop(): void {
    const reader = this.reader;
    this.stream = undefined;
    this.reader = undefined;
    void reader?.cancel().catch(() => {});
  }

  private async pump(stream: AudioStream, reader: ReadableStreamDefaultReader<AudioFrame>): Promise<void> {
    try {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done || stream !== this.stream) break;
        // Mono was asked for; each frame is a fresh copy of the native buffer, so it is handed on as is.
        const samples = frame.data.length === frame.samplesPerChannel ? frame.data : frame.data.subarray(0, frame.samplesPerChannel);
        // A listener may unsubscribe (itself or another) while hearing: iterate over a snapshot only then.
        if (this.listeners.size === 1) for (const listener of this.listeners) listener(samples);
        else for (const listener of [...this.listeners]) listener(samples);
      }
    } catch {
      // The stream ends with an error when the track or room goes away; listeners then hear nothing.
    } finally {
      reader.releaseLock();
    }
  }
}
