/**
 * Whether free speech heard so far sounds like a finished turn: the cue a human listener uses at a
 * short pause, reduced to its last word. "I'd like to check my balance" is finished; "I'd like to
 * check my" or "my order has not, um" is not, and the caller gets the step's full end-of-turn
 * silence to go on. Cloud voice agents end turns the same way (a short wait after a complete
 * sentence, a long one otherwise); without punctuation from the recognizer, the last word decides.
 */
import { words } from '@switchboard/flow-model';

/**
 * Words an answer rarely ends on: articles and possessives, prepositions, conjunctions, subject
 * pronouns, "want"/"need" (which take an object) and hesitations. Words that also end short
 * answers are left out on purpose: "yes I can", "I do", "yes it is", "thank you", "I can't log in".
 */
const UNFINISHED_LAST_WORDS = new Set([
  'a', 'an', 'the', 'my', 'your', 'our', 'their', 'his', 'her', 'its', 'every', 'each',
  'to', 'of', 'for', 'with', 'from', 'about', 'into', 'at', 'than', 'as', 'like', 'between', 'until', 'during',
  'and', 'or', 'but', 'so', 'because', 'if', 'although', 'unless', 'while', 'whether',
  'i', 'we', 'he', 'she', 'they', "i'm", "i'd", "i'll", "i've", "we're", "you're", "they're", "it's", "there's",
  'want', 'wants', 'wanted', 'need', 'needs', 'needed',
  'um', 'uh', 'er', 'erm', 'hmm', 'mm', 'ah', 'eh', 'very', 'just',
]);

/** Whether `text` (a recognizer's transcript so far) ends like a finished sentence. */
export function soundsFinished(text: string): boolean {
  const said = words(text);
  const last = said.at(-1);
  return last !== undefined && !UNFINISHED_LAST_WORDS.has(last);
}
