import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ProviderError } from '../media/providers/errors';
import { startFakeChatCompletions, type FakeChatServer } from '../media/providers/testing/fake-chat-completions';
import { AllModelsFailedError, FallbackChatModel, OpenAiChatModel, type ChatEvent, type ChatModelEvent, type ChatRequest } from './chat-model';

const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'You book appointments.' },
    { role: 'user', content: 'tuesday' },
  ],
  tools: [{ name: 'set_field', description: 'Saves a field', parameters: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } }, required: ['name', 'value'] } }],
  temperature: 0.2,
  maxTokens: 100,
  ...over,
});

async function collect(stream: AsyncIterable<ChatEvent>): Promise<{ text: string; chunks: number; done: Extract<ChatEvent, { type: 'done' }>; textDoneAfter?: number }> {
  let text = '';
  let chunks = 0;
  let done: Extract<ChatEvent, { type: 'done' }> | undefined;
  /** Text chunks before the `textDone` event, when there was one. */
  let textDoneAfter: number | undefined;
  for await (const event of stream) {
    assert.equal(done, undefined, 'nothing after the done event');
    if (event.type === 'text') {
      assert.equal(textDoneAfter, undefined, 'no text after textDone');
      text += event.text;
      chunks++;
    } else if (event.type === 'textDone') textDoneAfter = chunks;
    else done = event;
  }
  assert.ok(done, 'the stream ends with a done event');
  return { text, chunks, done, ...(textDoneAfter !== undefined ? { textDoneAfter } : {}) };
}

describe('chat-completions client against the local fake', () => {
  let fake: FakeChatServer;
  let backup: FakeChatServer;
  before(async () => {
    fake = await startFakeChatCompletions({ slowMs: 600 });
    backup = await startFakeChatCompletions({ apiKey: 'backup-key' });
  });
  after(async () => {
    await fake.close();
    await backup.close();
  });
  beforeEach(() => {
    fake.options.behavior = 'success';
    fake.options.script.length = 0;
    fake.options.answers.length = 0;
    fake.bodies.length = 0;
    backup.bodies.length = 0;
  });
  const model = (apiKey = 'test-key') => new OpenAiChatModel({ baseUrl: `${fake.url}/v1`, apiKey, label: 'main' });

  test('streams the answer in pieces as the server sends them, first piece before the rest', async () => {
    fake.options.answers.push({ text: 'Which day would you like to come in? We are open every weekday.', chunkDelayMs: 40 });
    const started = performance.now();
    let firstAt = 0;
    let text = '';
    for await (const event of model().stream(request())) {
      if (event.type === 'text' && event.text && !firstAt) firstAt = performance.now() - started;
      if (event.type === 'text') text += event.text;
    }
    const total = performance.now() - started;
    assert.equal(text, 'Which day would you like to come in? We are open every weekday.');
    assert.ok(firstAt < total - 100, `first text after ${firstAt.toFixed(0)} ms, whole answer ${total.toFixed(0)} ms`);
    const body = fake.bodies[0]!;
    assert.equal(body.stream, true);
    assert.equal(body.model, 'gpt-test');
    assert.equal(body.max_tokens, 100);
    assert.deepEqual(body.messages.map((message) => message.role), ['system', 'user']);
    assert.equal(body.tools?.[0]?.function.name, 'set_field');
  });

  test('tool calls sent in pieces come back whole, after the text; the assistant turn goes back with its calls', async () => {
    fake.options.answers.push({ text: 'Tuesday it is.', toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }, { name: 'finish', arguments: { outcome: 'booked' } }] });
    const { text, done, chunks, textDoneAfter } = await collect(model().stream(request()));
    assert.equal(text, 'Tuesday it is.');
    assert.equal(textDoneAfter, chunks, 'the text is reported complete when the first tool call begins');
    assert.equal(done.finishReason, 'tool_calls');
    assert.deepEqual(done.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)]), [
      ['set_field', { name: 'day', value: 'tuesday' }],
      ['finish', { outcome: 'booked' }],
    ]);
    assert.ok(done.usage && done.usage.promptTokens > 0);
    await collect(
      model().stream(
        request({
          messages: [
            ...request().messages,
            { role: 'assistant', content: text, toolCalls: done.toolCalls },
            { role: 'tool', toolCallId: done.toolCalls[0]!.id, content: 'saved' },
          ],
        }),
      ),
    );
    const sent = fake.bodies[1]!.messages;
    assert.equal(sent[2]?.tool_calls?.[0]?.function.name, 'set_field');
    assert.equal(sent[3]?.tool_call_id, done.toolCalls[0]!.id);
  });

  test('a refused key is an auth error; a 503 a retryable server error', async () => {
    const refused = await collect(model('wrong').stream(request())).then(() => undefined, (error: unknown) => error);
    assert.ok(refused instanceof ProviderError && refused.kind === 'auth', String(refused));
    fake.options.script.push('serverError');
    const failed = await collect(model().stream(request())).then(() => undefined, (error: unknown) => error);
    assert.ok(failed instanceof ProviderError && failed.kind === 'server' && failed.retryable, String(failed));
    assert.ok(!String(failed).includes('tuesday'), 'errors never carry the conversation');
  });

  test('fallback: retries a rate limit, then answers', async () => {
    fake.options.script.push('rateLimit');
    fake.options.answers.push({ text: 'Hello.' });
    const events: ChatModelEvent[] = [];
    const chain = new FallbackChatModel([{ model: model(), modelName: 'gpt-test' }], { initialBackoffMs: 10, onEvent: (event) => events.push(event) });
    const { text } = await collect(chain.stream(request()));
    assert.equal(text, 'Hello.');
    assert.deepEqual(events.map((event) => event.type), ['providerRetry']);
  });

  test('fallback: an outage of the main endpoint moves to the fallback endpoint and its model', async () => {
    fake.options.behavior = 'serverError';
    backup.options.answers.push({ text: 'Backup here.' });
    const events: ChatModelEvent[] = [];
    const chain = new FallbackChatModel(
      [
        { model: model(), modelName: 'gpt-test' },
        { model: new OpenAiChatModel({ baseUrl: `${backup.url}/v1`, apiKey: 'backup-key', label: 'backup' }), modelName: 'small-model' },
      ],
      { initialBackoffMs: 10, onEvent: (event) => events.push(event) },
    );
    const { text } = await collect(chain.stream(request()));
    assert.equal(text, 'Backup here.');
    assert.equal(backup.bodies[0]?.model, 'small-model');
    assert.deepEqual(events.map((event) => `${event.type}:${event.from}`), ['providerRetry:main', 'providerFallback:main']);
  });

  test('an outage of every endpoint rejects with AllModelsFailedError; a slow first token times out', async () => {
    fake.options.behavior = 'serverError';
    const chain = new FallbackChatModel([{ model: model(), modelName: 'gpt-test' }], { initialBackoffMs: 10 });
    const error = await collect(chain.stream(request())).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof AllModelsFailedError, String(error));
    fake.options.behavior = 'success';
    fake.options.answers.push({ text: 'Too late.', firstTokenDelayMs: 800 }, { text: 'Too late.', firstTokenDelayMs: 800 });
    const started = performance.now();
    const slow = await collect(new FallbackChatModel([{ model: model(), modelName: 'gpt-test' }], { initialBackoffMs: 10, firstTokenTimeoutMs: 200 }).stream(request())).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(slow instanceof AllModelsFailedError && slow.failures[0]?.kind === 'timeout', String(slow));
    assert.ok(performance.now() - started < 1000, 'each attempt gave up at the first-token timeout');
  });

  test('a stream cut after its first words fails without starting over (the caller heard them)', async () => {
    fake.options.script.push('disconnect');
    fake.options.answers.push({ text: 'One two three four five six seven.' });
    const chain = new FallbackChatModel([{ model: model(), modelName: 'gpt-test' }], { initialBackoffMs: 10 });
    let text = '';
    const error = await (async () => {
      for await (const event of chain.stream(request())) if (event.type === 'text') text += event.text;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(fake.bodies.length, 1, 'not retried once words had come');
    assert.ok(text.length > 0);
  });
});
