/**
 * Transcript redaction (phone trigger setting `redactTranscripts`): card numbers (13–19 digits that
 * pass the Luhn check, written as digits or spoken as digit words, with or without separators) and
 * US Social Security numbers (`123-45-6789`, `123 45 6789`) are replaced before a transcript is
 * returned to the workflow, so they reach neither the history nor the database.
 */

export const CARD_PLACEHOLDER = '[card number]';
export const SSN_PLACEHOLDER = '[ssn]';

const DIGIT_WORDS: Record<string, string> = {
  zero: '0', oh: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
};
const UNIT = String.raw`(?:\d+|zero|oh|one|two|three|four|five|six|seven|eight|nine)`;
/** A run of digit groups or digit words separated by spaces, dots or hyphens. */
const RUN = new RegExp(String.raw`(?<![\w])${UNIT}(?:[\s.-]+${UNIT})*(?![\w])`, 'gi');
const SSN = /(?<!\d)\d{3}([- ])\d{2}\1\d{4}(?!\d)/g;

/** True when the digits pass the Luhn checksum (card numbers do; most other numbers do not). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function redactRun(run: string): string {
  const tokens = [...run.matchAll(new RegExp(UNIT, 'gi'))].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    digits: /^\d+$/.test(match[0]) ? match[0] : (DIGIT_WORDS[match[0].toLowerCase()] ?? ''),
  }));
  // The longest stretch of whole tokens that forms a card number, then the next after it.
  const cuts: Array<{ start: number; end: number }> = [];
  for (let i = 0; i < tokens.length; i++) {
    let digits = '';
    let best = -1;
    for (let j = i; j < tokens.length; j++) {
      digits += tokens[j]!.digits;
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhnValid(digits)) best = j;
    }
    if (best >= 0) {
      cuts.push({ start: tokens[i]!.start, end: tokens[best]!.end });
      i = best;
    }
  }
  let out = run;
  for (const cut of cuts.reverse()) out = `${out.slice(0, cut.start)}${CARD_PLACEHOLDER}${out.slice(cut.end)}`;
  return out;
}

/** The text with card numbers and SSNs replaced by placeholders, and how many were replaced. */
export function redactSensitive(text: string): { text: string; redactions: number } {
  let redactions = 0;
  const cards = text.replace(RUN, (run) => {
    const redacted = redactRun(run);
    if (redacted !== run) redactions += redacted.split(CARD_PLACEHOLDER).length - 1;
    return redacted;
  });
  const out = cards.replace(SSN, () => {
    redactions++;
    return SSN_PLACEHOLDER;
  });
  return { text: out, redactions };
}
