import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeChatCompletions, type FakeChatServer } from '../media/providers/testing/fake-chat-completions';
import { FallbackChatModel, OpenAiChatModel, type ChatEvent, type ChatModel, type ChatRequest } from './chat-model';
import { EarlyAnswer } from './early-answer';
import { speakReply } from './speak-reply';

describe('an answer asked for before the turn ended', () => {
  let fake: FakeChatServer;
  before(async () => (fake = await startFakeChatCompletions()));
  after(() => fake.close());
  beforeEach(() => {
    fake.options.answers.length = 0;
    fake.options.behavior = 'success';
    fake.bodies.length = 0;
  });

  const request: ChatRequest = { model: 'm', messages: [{ role: 'system', content: 'Book it.' }, { role: 'user', content: 'Tuesday please' }], tools: [], temperature: 0, maxTokens: 50 };
  const input = { callId: 'c1', nodeId: 'agent', messages: request.messages, voice: 'en-us', connections: [{ model: 'm', credential: 'llm' }] };
  /** The real client against the local server; records the signal each request was sent with. */
  const model = (signals: AbortSignal[] = []): ChatModel => {
    const inner = new FallbackChatModel([{ model: new OpenAiChatModel({ baseUrl: `${fake.url}/v1`, apiKey: 'test-key' }), modelName: 'm' }], { initialBackoffMs: 5, maxAttempts: 1 });
    return {
      label: inner.label,
      stream: (req, options) => {
        if (options?.signal) signals.push(options.signal);
        return inner.stream(req, options);
      },
    };
  };
  const collect = async (stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> => {
    const events: ChatEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };

  test('the answer streams before anyone takes it; taking it replays what came, then the rest, from one request', async () => {
    fake.options.answers.push({ text: 'Tuesday it is. At what hour would you like to come in?', chunkDelayMs: 40, toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }] });
    const early = new EarlyAnswer(input, model(), request);
    await new Promise((resolve) => setTimeout(resolve, 120)); // the first chunks arrive meanwhile
    assert.equal(fake.bodies.length, 1, 'asked already');
    assert.ok(early.answers({ ...input }));
    const events = await collect(early.take().stream(request));
    const text = events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
    assert.equal(text, 'Tuesday it is. At what hour would you like to come in?');
    const done = events.at(-1);
    assert.equal(done?.type, 'done');
    assert.deepEqual(done?.type === 'done' ? done.toolCalls.map((call) => call.name) : [], ['set_field']);
    assert.equal(fake.bodies.length, 1, 'no second request');
    assert.deepEqual(fake.bodies[0]?.messages.at(-1), { role: 'user', content: 'Tuesday please' });
    assert.equal(early.answers({ ...input }), false, 'taken once');
  });

  test('it answers only the same input: member order and missing optional members do not matter, any other difference does', () => {
    fake.options.answers.push({ text: 'Okay.', firstTokenDelayMs: 2_000 });
    const early = new EarlyAnswer({ ...input, language: undefined }, model(), request);
    try {
      const reordered = { connections: input.connections, voice: 'en-us', messages: input.messages, nodeId: 'agent', callId: 'c1' };
      assert.equal(early.answers(reordered), true);
      assert.equal(early.answers({ ...input, messages: [...input.messages.slice(0, 1), { role: 'user', content: 'Tuesday, please' }] }), false, 'other words');
      assert.equal(early.answers({ ...input, voice: 'en-gb' }), false, 'another voice');
      assert.equal(early.answers({ ...input, messages: [...input.messages, { role: 'user', content: 'and more' }] }), false, 'a longer conversation');
    } finally {
      early.cancel();
    }
  });

  test('cancelled, or not taken in time, the request is aborted and the answer is not offered', async () => {
    for (const how of ['cancel', 'expiry'] as const) {
      fake.options.answers.push({ text: 'This answer is long enough to still be streaming when it is cancelled.', chunkDelayMs: 200 });
      const signals: AbortSignal[] = [];
      const early = new EarlyAnswer(input, model(signals), request, how === 'expiry' ? 100 : undefined);
      if (how === 'cancel') early.cancel();
      else await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(signals.length, 1);
      assert.equal(signals[0]?.aborted, true, `${how}: the request was aborted`);
      assert.equal(early.answers({ ...input }), false, how);
    }
  });

  test('a failed early answer fails the reply that takes it, as a model error, nothing spoken', async () => {
    fake.options.behavior = 'serverError';
    const early = new EarlyAnswer(input, model(), request);
    const reply = await speakReply({ model: early.take(), request, startedAt: early.startedAt, say: async () => assert.fail('nothing to say') });
    assert.match(reply.error ?? '', /llm|500|server/i);
    assert.equal(reply.heard, '');
  });

  test('speakReply on a taken answer counts from the early request and says how early it was', async () => {
    fake.options.answers.push({ text: 'Ten works. You are booked in.', firstTokenDelayMs: 100 });
    const early = new EarlyAnswer(input, model(), request);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const reply = await speakReply({
      model: early.take(),
      request,
      startedAt: early.startedAt,
      say: async (_sentence, onPlaybackStart) => {
        onPlaybackStart();
        return { interrupted: false, playedMs: 100 };
      },
    });
    assert.equal(reply.heard, 'Ten works. You are booked in.');
    assert.ok(reply.askedEarlyMs !== undefined && reply.askedEarlyMs >= 50, `asked ${reply.askedEarlyMs} ms early`);
    assert.ok(reply.firstAudioMs !== undefined && reply.firstAudioMs >= 100, `first audio ${reply.firstAudioMs} ms after the request (first token at 100 ms)`);
  });
});

test('the local model server gives a scripted answer whose client hung up to the next request', async () => {
  const fake = await startFakeChatCompletions({ answers: [{ text: 'First answer, long enough to be cut off while it streams.', chunkDelayMs: 100 }, { text: 'Second answer.' }] });
  try {
    const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [], temperature: 0, maxTokens: 50 };
    const client = new OpenAiChatModel({ baseUrl: `${fake.url}/v1`, apiKey: 'test-key' });
    const controller = new AbortController();
    const events: ChatEvent[] = [];
    await assert.rejects(async () => {
      for await (const event of client.stream(request, { signal: controller.signal })) {
        events.push(event);
        controller.abort();
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fake.abandoned.length, 1);
    let text = '';
    for await (const event of client.stream(request)) if (event.type === 'text') text += event.text;
    assert.equal(text, 'First answer, long enough to be cut off while it streams.');
  } finally {
    await fake.close();
  }
});
