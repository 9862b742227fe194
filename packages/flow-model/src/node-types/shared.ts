import { z } from 'zod';
import { VARIABLE_NAME } from '../template';
import { STT_PROVIDERS, TTS_PROVIDERS } from '../trigger-settings';

/** Milliseconds between `min` and `max`, with a default. */
export const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

/**
 * Silence after the caller's speech that ends their turn, in milliseconds (a spoken step's setting).
 * Shorter cuts callers off mid-sentence; longer makes every answer feel slow.
 */
export const endSilence = (fallback: number) =>
  z
    .number({ error: 'The end-of-turn silence is a number of milliseconds' })
    .int('The end-of-turn silence is a whole number of milliseconds')
    .min(200, 'The end-of-turn silence must be at least 200 ms: shorter cuts callers off mid-sentence')
    .max(5000, 'The end-of-turn silence must be at most 5000 ms (5 seconds)')
    .default(fallback);

/**
 * Free speech (Listen, AI agent): end the caller's turn at a short pause (about 300 ms) when what
 * they said sounds like a finished sentence, instead of waiting for the whole end-of-turn silence.
 * Off for callers who pause mid-sentence (dictating, thinking aloud).
 */
export const endOnFinishedSentence = z.boolean().default(true);

/** An HTTP request's method, address and headers: the HTTP request step's and the AI agent's web tools. */
export const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
export const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^https?:\/\/\S+$/i, 'Use an http:// or https:// address');
export const httpHeaders = z
  .array(z.object({ name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'Not a header name'), value: z.string().max(2000) }))
  .max(20)
  .default([]);

export const variableName = z.string().regex(VARIABLE_NAME, 'Variable names start with a letter and use letters, digits or _');

/** The longest text a step may say (about three minutes of speech). */
export const MAX_SPOKEN_TEXT = 2000;

/** Text said to the caller (a template): not empty, at most {@link MAX_SPOKEN_TEXT} characters. */
export const spokenText = (emptyMessage?: string) =>
  z.string().trim().min(1, emptyMessage).max(MAX_SPOKEN_TEXT, `Keep it under ${MAX_SPOKEN_TEXT} characters`);

/** A voice name of a speech provider (e.g. en-us, or an ElevenLabs voice id). */
export const voiceName = z.string().min(1).max(100);
/** A language tag as given to a provider. */
export const languageTag = z.string().min(2).max(35);

/** A key on the phone keypad. */
export const DTMF_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export const dtmfKey = z.enum(DTMF_KEYS, { message: 'A key is one of 0-9, * or #' });

/** An id that also names an exit. */
export const exitId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'Ids start with a letter and use letters, digits, - or _');

/** Reports a duplicate value in a list as an issue on the later item's field. */
export function uniqueBy<T>(items: T[], key: (item: T) => string, field: string, listField: string, ctx: z.RefinementCtx, message: (value: string, first: number) => string) {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const value = key(item);
    const first = seen.get(value);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [listField, index, field], message: message(value, first) });
    else seen.set(value, index);
  });
}

export const ttsProvider = z
  .enum(TTS_PROVIDERS, { message: `The speech provider is one of ${TTS_PROVIDERS.join(', ')}` })
  .describe("Speech provider for this node; the call's provider and the worker's others are fallbacks");
export const sttProvider = z
  .enum(STT_PROVIDERS, { message: `The recognition provider is one of ${STT_PROVIDERS.join(', ')}` })
  .describe("Recognition provider for this node; the call's provider and the worker's others are fallbacks");
