/**
 * Call latency through the whole stack: virtual callers call the sample flow and press 2, one
 * after another, and we measure what callers and operators would feel.
 *   - digit → next prompt: key press to the first audio of the support prompt, at the caller;
 *   - node transition: a media activity completed → the next one started on the media worker
 *     (from the Temporal history).
 * `npm run bench` (BENCH_CALLS=n to change the number of calls).
 */
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../tools/caller/virtual-caller';
import { nodeTransitions } from '../test/support/history';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { summarize, type Figure } from './report';

const calls = Number(process.env.BENCH_CALLS ?? 10);

export async function benchCallLatency(): Promise<Figure[]> {
  const stack = await startStack();
  try {
    const flow = await stack.post('/api/flows', { name: 'Bench', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: '+14155550111', flowId: flow.id });

    const digitToPrompt: number[] = [];
    const transitions: number[] = [];
    const callSetup: number[] = [];
    let completed = 0;
    for (let i = 0; i < calls; i++) {
      const roomName = uniqueName('bench-room');
      const caller = runVirtualCaller({
        ...stack.liveKit,
        roomName,
        silenceHangoverMs: 1200,
        maxDurationMs: 45_000,
        script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
      });
      const requested = Date.now();
      const started = await stack.post('/api/calls', { roomName, calledNumber: '+14155550111' });
      const heard = await caller;
      const handle = stack.temporal.client.workflow.getHandle(started.workflowId);
      const result = await handle.result();
      if (result.endReason === 'completed' && heard.hungUpByAgent) completed++;
      const press = heard.presses[0];
      if (press?.digitToNextPromptMs != null) digitToPrompt.push(press.digitToNextPromptMs);
      const firstPrompt = heard.prompts[0];
      if (firstPrompt) callSetup.push(heard.joinedAt + firstPrompt.startMs - Math.max(requested, heard.joinedAt));
      transitions.push(...nodeTransitions((await handle.fetchHistory()).events ?? []));
    }
    return [
      { name: 'calls_completed', value: completed, unit: 'calls', note: `of ${calls} placed` },
      ...summarize('digit_to_next_prompt', digitToPrompt, 'ms', [50, 95]),
      ...summarize('node_transition', transitions, 'ms', [50, 99]),
      ...summarize('call_start_to_greeting', callSetup, 'ms', [50, 95]),
    ];
  } finally {
    await stack.stop();
  }
}
