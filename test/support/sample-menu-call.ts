/**
 * What a caller of the sales/support sample must hear when it presses 2 after the menu: the
 * greeting and menu, one key, then the support prompt, and the agent hanging up. Shared by the
 * end-to-end tests that call the sample through different callers (rtc-node, Go).
 */
import assert from 'node:assert/strict';
import type { VirtualCallerResult } from '../../tools/caller/virtual-caller';

export function assertHeardSampleMenuCall(heard: VirtualCallerResult): { press: VirtualCallerResult['presses'][number] } {
  assert.equal(heard.hungUpByAgent, true, `call ended by ${heard.endReason} (${heard.disconnectReason})`);
  assert.ok(heard.prompts.length >= 2, JSON.stringify(heard.prompts));
  const [menuPrompt, supportPrompt] = heard.prompts;
  const spoken = (prompt: typeof menuPrompt) => (prompt?.endMs ?? 0) - (prompt?.startMs ?? 0);
  // "Thanks for calling. Press 1 for sales, 2 for support." takes espeak-ng about 3-4 s.
  assert.ok(spoken(menuPrompt) > 2000 && spoken(menuPrompt) < 9000, `greeting and menu lasted ${spoken(menuPrompt)} ms`);
  assert.ok((menuPrompt?.rms ?? 0) > 500, `greeting energy ${menuPrompt?.rms}`);
  // The support prompt and the farewell: about 6 s.
  assert.ok(spoken(supportPrompt) > 3000, `support prompt lasted ${spoken(supportPrompt)} ms`);
  assert.equal(heard.presses.length, 1);
  const press = heard.presses[0]!;
  assert.equal(press.digit, '2');
  assert.ok(press.atMs > (menuPrompt?.endMs ?? Infinity), 'the key was pressed after the menu prompt');
  assert.ok(press.digitToNextPromptMs !== null, 'an answer followed the key press');
  return { press };
}
