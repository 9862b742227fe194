import { z } from 'zod';
import { VARIABLE_NAME } from '../template';
import { STT_PROVIDERS, TTS_PROVIDERS } from '../trigger-settings';

/** Milliseconds between `min` and `max`, with a default. */
export const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const variableName = z.string().regex(VARIABLE_NAME, 'Variable names start with a letter and use letters, digits or _');

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
