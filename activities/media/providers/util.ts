/** Small helpers shared by the provider modules. */
import { ProviderError } from './errors.js';

/**
 * Runs `work` with a signal that aborts when `parent` aborts or after `timeoutMs`; a timeout
 * rejects with a `timeout` ProviderError, a parent abort with the parent's reason.
 */
export async function withTimeout<T>(
  provider: string,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  parent?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  let rejectEarly: (err: unknown) => void = () => {};
  const early = new Promise<never>((_, reject) => (rejectEarly = reject));
  const timer = setTimeout(() => {
    timedOut = true;
    const err = new ProviderError(provider, 'timeout', `no complete answer within ${timeoutMs} ms`);
    controller.abort(err);
    rejectEarly(err);
  }, timeoutMs);
  const onAbort = (): void => {
    controller.abort(parent?.reason);
    rejectEarly(parent?.reason);
  };
  parent?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([work(controller.signal), early]);
  } catch (err) {
    if (timedOut) throw new ProviderError(provider, 'timeout', `no complete answer within ${timeoutMs} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}

/** Little-endian 16-bit PCM bytes as samples (a trailing odd byte is dropped). */
export function int16FromLittleEndian(bytes: Uint8Array): Int16Array {
  const count = Math.floor(bytes.byteLength / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

/** Samples as little-endian 16-bit PCM bytes. */
export function int16ToLittleEndian(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i] ?? 0, i * 2);
  return bytes;
}

/** Promise resolved after `ms`, or rejected with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Single-consumer async queue: producers `push`, then `close` or `fail`; the consumer iterates.
 * Values pushed after the end are dropped.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private waiter: (() => void) | undefined;
  private done = false;
  private error: { err: unknown } | undefined;

  push(value: T): void {
    if (this.done) return;
    this.values.push(value);
    this.wake();
  }

  close(): void {
    this.done = true;
    this.wake();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.error = { err };
    this.done = true;
    this.wake();
  }

  get ended(): boolean {
    return this.done;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const value = this.values.shift();
      if (value !== undefined) {
        yield value;
        continue;
      }
      if (this.error) throw this.error.err;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** Lower-case words without punctuation, as {@link SpeechToTextResult.text} wants them. */
export function normalizeTranscript(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Languages both cloud recognizers accept (each accepts many more; extend when a flow needs one). */
export const COMMON_LANGUAGES: string[] = ['en', 'en-us', 'en-gb', 'en-au', 'de', 'de-de', 'fr', 'fr-fr', 'es', 'es-es', 'it', 'nl', 'pt', 'pt-br'];
