/**
 * Matching what a caller said to a menu option: pure and deterministic, so the workflow decides
 * and the media worker only transcribes.
 */

const NUMBER_WORDS: Record<string, string> = {
  '0': 'zero',
  '1': 'one',
  '2': 'two',
  '3': 'three',
  '4': 'four',
  '5': 'five',
  '6': 'six',
  '7': 'seven',
  '8': 'eight',
  '9': 'nine',
  '*': 'star',
  '#': 'pound',
};

/** Lower-case words, punctuation dropped. */
export function words(text: string): string[] {
  return text
    .toLocaleLowerCase('en-US')
    .replace(/[^\p{L}\p{N}\s'*#]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

export interface SpokenOption {
  id: string;
  digit: string;
  label: string;
  synonyms: string[];
}

/** Every phrase that selects an option: its label, its synonyms, and its key as a word ("two"). */
export function optionPhrases(option: SpokenOption): string[] {
  return [option.label, ...option.synonyms, NUMBER_WORDS[option.digit] ?? option.digit];
}

/**
 * The option the caller chose by speech: the one whose phrase appears earliest in the transcript
 * (the longer phrase on a tie), or undefined when none appears.
 */
export function matchSpokenOption(options: SpokenOption[], transcript: string): string | undefined {
  const heard = words(transcript);
  let best: { id: string; at: number; length: number } | undefined;
  for (const option of options) {
    for (const phrase of optionPhrases(option)) {
      const wanted = words(phrase);
      if (wanted.length === 0) continue;
      for (let at = 0; at + wanted.length <= heard.length; at++) {
        if (wanted.every((word, i) => heard[at + i] === word)) {
          if (!best || at < best.at || (at === best.at && wanted.length > best.length)) best = { id: option.id, at, length: wanted.length };
          break;
        }
      }
    }
  }
  return best?.id;
}
