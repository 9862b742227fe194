import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import { z } from 'zod';

/** Normalizes a phone number to E.164 (`+14155550123`), or says why it is not one. */
export function toE164(value: string): { ok: true; number: string } | { ok: false; message: string } {
  try {
    const parsed = parsePhoneNumberWithError(value.trim());
    if (!parsed.isValid()) return { ok: false, message: `${value.trim() ? 'This' : 'An empty'} number is not a valid phone number` };
    return { ok: true, number: parsed.number };
  } catch (error) {
    const reason = error instanceof ParseError ? error.message : 'unreadable';
    const hint =
      reason === 'INVALID_COUNTRY' ? 'start it with + and the country code, e.g. +14155550123' : reason.toLowerCase().replaceAll('_', ' ');
    return { ok: false, message: `Not a phone number in international format: ${hint}` };
  }
}

/** A zod field that accepts a phone number in international format and outputs E.164. */
export const e164 = z
  .string()
  .meta({ description: 'A phone number in international format (e.g. +14155550123); stored as E.164.', examples: ['+14155550123'] })
  .transform((value, ctx) => {
    const result = toE164(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.number;
  });
