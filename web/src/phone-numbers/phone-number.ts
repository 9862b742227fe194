/**
 * Phone numbers as builders type them, checked with the same library and metadata (libphonenumber
 * "max") as the API, so the form and the server agree on what is a valid number.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/max';

/** The result of reading a typed number. */
export type PhoneNumberCheck =
  | { ok: true; e164: string; international: string; country: string | undefined }
  | { ok: false; message: string };

const reasons: Record<string, string> = {
  NOT_A_NUMBER: 'This is not a phone number.',
  INVALID_COUNTRY: 'Start with + and the country code (e.g. +1 415 555 0100), or choose the country.',
  TOO_SHORT: 'Too short for a phone number in this country.',
  TOO_LONG: 'Too long for a phone number in this country.',
  INVALID_LENGTH: 'Wrong number of digits for this country.',
};

/** Reads a number typed in any common format; `country` is assumed when it does not start with +. */
export function checkPhoneNumber(input: string, country?: CountryCode): PhoneNumberCheck {
  const value = input.trim();
  if (!value) return { ok: false, message: 'Enter the phone number callers dial.' };
  if (/[A-Za-z]/.test(value.replace(/ext\.?|x/gi, ''))) return { ok: false, message: 'Use digits only (letters are not dialled).' };
  const lengthProblem = validatePhoneNumberLength(value, country);
  if (lengthProblem) return { ok: false, message: reasons[lengthProblem] ?? 'This is not a valid phone number.' };
  const parsed = parsePhoneNumberFromString(value, country);
  if (!parsed) return { ok: false, message: reasons.NOT_A_NUMBER as string };
  if (!parsed.isValid()) {
    return {
      ok: false,
      message: parsed.country
        ? `Not a valid number in ${regionName(parsed.country)}: check the area code and the number of digits.`
        : 'Not a valid number for that country code.',
    };
  }
  return { ok: true, e164: parsed.number, international: parsed.formatInternational(), country: parsed.country };
}

/** `+14155550100` → `+1 415 555 0100`; anything unreadable is returned as it is. */
export function formatPhoneNumber(e164: string | null | undefined): string {
  if (!e164) return '—';
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

const regions = new Intl.DisplayNames(undefined, { type: 'region' });

/** `US` → `United States`. */
export function regionName(code: string): string {
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}
