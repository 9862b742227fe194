/** Where copied steps wait to be pasted: this browser's storage, so a copy can go to another flow or tab. */
import { parseClipboard, type ClipboardContent } from './model/clipboard';

const KEY = 'switchboard.clipboard';
let memory: ClipboardContent | undefined;

/** Keeps a copy for pasting. */
export function writeClipboard(content: ClipboardContent): void {
  memory = content;
  try {
    localStorage.setItem(KEY, JSON.stringify(content));
  } catch {
    // Storage full or disabled: the copy still works in this tab.
  }
}

/** The last copy, from any tab of this browser. */
export function readClipboard(): ClipboardContent | undefined {
  try {
    return parseClipboard(localStorage.getItem(KEY)) ?? memory;
  } catch {
    return memory;
  }
}
