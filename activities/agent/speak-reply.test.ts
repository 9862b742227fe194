// test-runner: serial (asserts wall-clock timings: how soon audio stops or a turn ends)
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeChatCompletions, type FakeChatServer } from '../media/providers/testing/fake-chat-completions';
import { FallbackChatModel, OpenAiChatModel, type ChatRequest } from './chat-model';
import { heardPart, speakReply, takeSentences } from './speak-reply';

test('sentences are split off as they finish; short pieces and the unfinished rest wait', () => {
  assert.deepEqual(takeSentences('Hello there, welcome back. Which day would'), { sentences: ['Hello there, welcome back.'], rest: 'Which day would' });
  assert.deepEqual(takeSentences('Dr. Smith can see you on Tuesday. '), { sentences: ['Dr. Smith can see you on Tuesday.'], rest: '' });
  assert.deepEqual(takeSentences('Okay. '), { sentences: [], rest: 'Okay. ' });
  assert.deepEqual(takeSentences('Is ten good for you? Great!\n'), { sentences: ['Is ten good for you?'], rest: 'Great!\n' });
  assert.equal(heardPart('You are booked for Tuesday at ten.', 1200), 'You are booked…');
  assert.equal(heardPart('You are booked.', 100), '');
});

describe('an answer spoken as it streams', () => {
  let fake: FakeChatServer;
  before(async () => (fake = await startFakeChatCompletions()));
  after(() => fake.close());
  beforeEach(() => {
    fake.options.answers.length = 0;
    fake.options.script.length = 0;
    fake.options.behavior = 'success';
  });
  const request: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [], temperature: 0, maxTokens: 50 };
  const model = () => new FallbackChatModel([{ model: new OpenAiChatModel({ baseUrl: `${fake.url}/v1`, apiKey: 'test-key' }), modelName: 'm' }], { initialBackoffMs: 5 });

  test('the first sentence is spoken while the model is still writing; tool calls come back after the words', async () => {
    // 3 words a chunk, 60 ms apart: the whole answer takes over a second to arrive.
    fake.options.answers.push({
      text: 'Tuesday works well for us. What hour would suit you best on that day, morning or afternoon? We open at nine.',
      chunkDelayMs: 60,
      toolCalls: [{ name: 'set_field', arguments: { name: 'day', value: 'tuesday' } }],
    });
    const spoken: Array<{ sentence: string; at: number }> = [];
    const started = performance.now();
    const reply = await speakReply({
      model: model(),
      request,
      say: async (sentence, onPlaybackStart) => {
        onPlaybackStart();
        spoken.push({ sentence, at: performance.now() - started });
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { interrupted: false, playedMs: 50 };
      },
    });
    const total = performance.now() - started;
    assert.deepEqual(spoken.map((s) => s.sentence), ['Tuesday works well for us.', 'What hour would suit you best on that day, morning or afternoon?', 'We open at nine.']);
    assert.ok(spoken[0]!.at < total / 2, `first sentence at ${spoken[0]!.at.toFixed(0)} ms of ${total.toFixed(0)} ms`);
    // Relative to the whole answer, not a wall-clock bound (that is `npm run bench -- agent`'s figure).
    assert.ok(reply.firstAudioMs !== undefined && reply.firstAudioMs < total / 2, `first audio after ${reply.firstAudioMs} ms of ${total.toFixed(0)} ms`);
    assert.equal(reply.heard, spoken.map((s) => s.sentence).join(' '));
    assert.deepEqual(reply.toolCalls.map((call) => call.name), ['set_field']);
    assert.equal(reply.interrupted, false);
  });

  test('the last sentence is spoken as soon as the tool calls begin, not after their arguments have streamed', async () => {
    // No space after the full stop: the sentence is known complete only when the text ends.
    fake.options.answers.push({
      text: 'Thank you, you are booked in.',
      chunkDelayMs: 150,
      toolCalls: [{ name: 'set_field', arguments: { name: 'hour', value: '10' } }, { name: 'finish', arguments: { outcome: 'booked' } }],
    });
    const started = performance.now();
    let spokenAt = 0;
    const reply = await speakReply({
      model: model(),
      request,
      say: async (_sentence, onPlaybackStart) => {
        onPlaybackStart();
        spokenAt = performance.now() - started;
        return { interrupted: false, playedMs: 10 };
      },
    });
    const total = performance.now() - started;
    assert.equal(reply.heard, 'Thank you, you are booked in.');
    assert.deepEqual(reply.toolCalls.map((call) => call.name), ['set_field', 'finish']);
    // The two calls' arguments stream in four more 150 ms pieces after the words.
    assert.ok(total - spokenAt >= 450, `spoken at ${spokenAt.toFixed(0)} ms, the answer ended at ${total.toFixed(0)} ms`);
  });

  test('barge-in: speech stops, the rest of the answer is cancelled, only what was heard is kept', async () => {
    fake.options.answers.push({
      text: 'Let me read you all of our opening hours for this week. Monday from nine to five. Tuesday from nine to five. Wednesday from nine to noon.',
      chunkDelayMs: 40,
      toolCalls: [{ name: 'finish', arguments: { outcome: 'booked' } }],
    });
    const said: string[] = [];
    const reply = await speakReply({
      model: model(),
      request,
      say: async (sentence) => {
        said.push(sentence);
        // The caller talks over the second sentence, 1.2 s into it.
        return said.length === 2 ? { interrupted: true, interruptedBy: 'speech', playedMs: 800 } : { interrupted: false, playedMs: 2000 };
      },
    });
    assert.equal(said.length, 2, 'nothing after the interrupted sentence is spoken');
    assert.equal(reply.interrupted, true);
    assert.equal(reply.heard, 'Let me read you all of our opening hours for this week. Monday from…');
    assert.deepEqual(reply.toolCalls, [], 'the cancelled answer calls no tools');
  });

  test('a model outage is an error in the result, nothing spoken', async () => {
    fake.options.behavior = 'serverError';
    let spoken = 0;
    const reply = await speakReply({
      model: model(),
      request,
      say: async () => {
        spoken++;
        return { interrupted: false, playedMs: 1 };
      },
    });
    assert.equal(spoken, 0);
    assert.equal(reply.heard, '');
    assert.match(reply.error ?? '', /every language model failed: .*HTTP 503/);
  });
});
