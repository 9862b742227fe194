/**
 * AI agent turns through the whole stack: virtual callers book an appointment with the tutorial's
 * agent (docs/tutorial-ai-agent.md), two spoken answers each, against the local chat-completions
 * server with a fixed time to the first token (AGENT_FIRST_TOKEN_MS, 300). Measures
 *   - caller speech end → first agent audio at the caller (the turn as the caller feels it: the
 *     step's end-of-turn silence, recognition, the workflow, the model's first sentence, synthesis);
 *   - model request → first audio on the media worker (streaming: the first sentence is spoken
 *     while the model still writes);
 *   - how many answers were asked for early (at a pause after a finished sentence, before the turn
 *     ended: activities/agent/early-answer.ts), and how long before their agentReply began.
 * `npm run bench -- agent` (AGENT_CALLS=n, default 5).
 */
import { appointmentAgentSample } from '@switchboard/flow-model';
import { runVirtualCaller, type VirtualCallerEvent } from '../tools/caller/virtual-caller';
import { startFakeChatCompletions } from '../activities/media/providers/testing/fake-chat-completions';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { summarize, type Figure } from './report';

const calls = Number(process.env.AGENT_CALLS ?? 5);
const firstTokenMs = Number(process.env.AGENT_FIRST_TOKEN_MS ?? 300);

export async function benchAgent(): Promise<Figure[]> {
  const model = await startFakeChatCompletions({ apiKey: 'bench-key', firstTokenDelayMs: firstTokenMs, chunkDelayMs: 30 });
  const stack = await startStack({ llm: { baseUrl: `${model.url}/v1`, apiKey: 'bench-key' } });
  try {
    const flow = await stack.post('/api/flows', { name: 'Agent bench', graph: appointmentAgentSample.graph });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: '+14155550112', flowId: flow.id });

    const speechEndToAudio: number[] = [];
    const requestToAudio: number[] = [];
    const askedEarly: number[] = [];
    let answers = 0;
    let completed = 0;
    for (let i = 0; i < calls; i++) {
      model.options.answers.push(
        { text: 'Tuesday, great. At what hour would you like to come?', toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] },
        { text: 'Thank you, you are booked in.', toolCalls: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }, { name: 'finish', arguments: { outcome: 'booked' } }] },
      );
      const timeline: VirtualCallerEvent[] = [];
      const roomName = uniqueName('bench-agent');
      const caller = runVirtualCaller({
        ...stack.liveKit,
        roomName,
        silenceHangoverMs: 1200,
        maxDurationMs: 60_000,
        script: [{ say: 'tuesday', after: 'promptEnd' }, { say: 'ten', after: 'promptEnd' }, { waitForPrompt: true }],
        onEvent: (event) => timeline.push(event),
      });
      const started = await stack.post('/api/calls', { roomName, calledNumber: '+14155550112' });
      const heard = await caller;
      const result = await stack.temporal.client.workflow.getHandle(started.workflowId).result();
      const record = await stack.get(`/api/calls/${encodeURIComponent(started.callId)}`);
      const events = record.events as Array<{ type: string; nodeId: string | null; data: Record<string, unknown> }>;
      if (result.endReason === 'completed' && heard.hungUpByAgent && events.some((event) => event.type === 'agentOutcome' && event.data.outcome === 'booked')) completed++;
      for (const spoke of timeline) {
        if (spoke.type !== 'spoke') continue;
        const end = spoke.atMs + spoke.durationMs;
        const next = timeline.find((event) => event.type === 'promptStarted' && event.atMs > end);
        if (next) speechEndToAudio.push(next.atMs - end);
      }
      for (const event of events) {
        if (event.type !== 'promptPlayed' || typeof event.data.firstAudioMs !== 'number') continue;
        requestToAudio.push(event.data.firstAudioMs);
        answers++;
        if (typeof event.data.askedEarlyMs === 'number') askedEarly.push(event.data.askedEarlyMs);
      }
      model.options.answers.length = 0;
    }
    return [
      { name: 'agent_calls_booked', value: completed, unit: 'calls', note: `of ${calls} placed` },
      ...summarize('agent_speech_end_to_first_audio', speechEndToAudio, 'ms', [50, 95]),
      ...summarize('agent_request_to_first_audio', requestToAudio, 'ms', [50, 95]),
      // Answers asked for before their agentReply began (at the end of the caller's turn), and how much earlier.
      { name: 'agent_answers_asked_early', value: askedEarly.length, unit: 'answers', note: `of ${answers} spoken` },
      ...summarize('agent_asked_early', askedEarly, 'ms', [50]),
    ];
  } finally {
    await stack.stop();
    await model.close();
  }
}
