/** Twilio Studio import: real-world shaped exports in, a draft and a report out. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateFlow } from '../validate';
import { importTwilioStudioFlow, StudioImportError, type StudioImportResult } from './twilio-studio';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const node = (result: StudioImportResult, id: string) => {
  const found = result.graph.nodes.find((candidate) => candidate.id === id);
  assert.ok(found, `node ${id} exists (have ${result.graph.nodes.map((n) => n.id).join(', ')})`);
  return found;
};
const target = (result: StudioImportResult, from: string, exit: string) => result.graph.edges?.find((edge) => edge.from === from && edge.exit === exit)?.to;

test('an IVR (gather + split on its digits, and a split on its speech) becomes one menu with spoken synonyms; the draft validates', () => {
  const result = importTwilioStudioFlow(fixture('ivr-gather-split.json'));
  assert.equal(result.name, 'IVR');
  assert.equal(result.graph.start, 'gather_input');
  const menu = node(result, 'gather_input');
  assert.equal(menu.type, 'menu');
  assert.deepEqual(menu.config, {
    prompt: 'Hello, how can we direct your call? Press 1 for sales, or say sales. To leave a message, press 2 or say message.',
    options: [
      { id: 'key1', digit: '1', label: 'Key 1', synonyms: ['sales'] },
      { id: 'key2', digit: '2', label: 'Key 2', synonyms: ['message', 'voicemail'] },
    ],
    timeoutMs: 5000,
    retries: 0,
    speech: true,
  });
  // Both splits are folded into the menu; every transition is an edge from it.
  assert.equal(result.graph.nodes.some((n) => n.id === 'split_key_press' || n.id === 'split_speech_result'), false);
  assert.equal(target(result, 'gather_input', 'key1'), 'connect_call_to_sales');
  assert.equal(target(result, 'gather_input', 'key2'), 'record_voicemail_1');
  assert.equal(target(result, 'gather_input', 'noMatch'), 'say_wrong_key');
  assert.equal(target(result, 'gather_input', 'noInput'), 'say_no_choice');
  assert.equal(target(result, 'say_wrong_key', 'next'), 'gather_input');

  const transfer = node(result, 'connect_call_to_sales');
  assert.deepEqual([transfer.type, transfer.typeVersion, transfer.config], ['transfer', 2, { targets: ['+14155550123'] }]);
  assert.equal(target(result, 'connect_call_to_sales', 'failed'), 'say_sales_busy');
  const voicemail = node(result, 'record_voicemail_1');
  assert.deepEqual([voicemail.type, voicemail.config], ['recordVoicemail', { beep: true, maxDurationMs: 300_000, finishKey: '#', silenceTimeoutMs: 5000 }]);
  assert.equal(target(result, 'record_voicemail_1', 'recorded'), 'say_thanks');
  // Transitions that lead nowhere end the call at one hang-up.
  assert.equal(target(result, 'record_voicemail_1', 'noAudio'), 'end');
  assert.equal(target(result, 'say_thanks', 'next'), 'end');
  assert.equal(node(result, 'end').type, 'hangup');

  // Layout from Studio's offsets, spread out (our steps are taller than Studio's widgets).
  assert.deepEqual(result.layout.nodes.gather_input, { x: 377, y: 375 });
  assert.deepEqual(result.layout.nodes.record_voicemail_1, { x: 676, y: 1125 });
  assert.ok((result.layout.nodes.end?.y ?? 0) > 990 * 1.5);

  assert.deepEqual(
    result.report.lines.filter((line) => line.outcome === 'merged').map((line) => [line.widget, line.nodeId]),
    [
      ['split_key_press', 'gather_input'],
      ['split_speech_result', 'gather_input'],
    ],
  );
  assert.equal(result.report.placeholders, 0);
  assert.equal(result.report.converted, 7);
  assert.ok(result.report.lines.some((line) => line.widget === 'connect_call_to_sales' && line.outcome === 'note' && /flow ends/.test(line.message)));

  const validation = validateFlow(result.graph);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems));
});

test('an HTTP lookup: the Flow resource is accepted, parsed fields become response mappings, and Liquid becomes Switchboard variables', () => {
  const result = importTwilioStudioFlow(fixture('http-lookup.json'));
  assert.equal(result.name, 'Customer lookup');
  assert.equal(result.graph.start, 'set_variables_1');
  assert.deepEqual(node(result, 'set_variables_1').config, {
    assignments: [
      { name: 'caller_number', value: '{{call.caller}}' },
      { name: 'line', value: 'main line' },
    ],
  });
  const lookup = node(result, 'crm_lookup');
  assert.equal(lookup.type, 'httpRequest');
  assert.equal(lookup.config?.url, 'https://crm.example.com/api/customers?phone={{flow.caller_number}}');
  assert.equal(lookup.config?.method, 'GET');
  assert.deepEqual(lookup.config?.responseMappings, [
    { variable: 'crm_lookup_customer_tier', path: 'customer.tier' },
    { variable: 'crm_lookup_balance', path: 'balance' },
    { variable: 'crm_lookup_customer_name', path: 'customer.name' },
  ]);
  assert.equal(target(result, 'crm_lookup', 'ok'), 'split_tier');
  assert.equal(target(result, 'crm_lookup', 'failed'), 'say_lookup_failed');

  const split = node(result, 'split_tier');
  assert.equal(split.type, 'branch');
  assert.deepEqual(split.config, {
    conditions: [
      { id: 'Gold', variable: 'flow.crm_lookup_customer_tier', operator: 'equals', value: 'gold' },
      { id: 'Big_balance', variable: 'flow.crm_lookup_balance', operator: 'greaterThan', value: '1000' },
    ],
  });
  assert.equal(target(result, 'split_tier', 'Gold'), 'say_gold');
  assert.equal(target(result, 'split_tier', 'else'), 'say_standard');
  assert.deepEqual(node(result, 'say_gold').config, { text: 'Welcome back {{flow.crm_lookup_customer_name}}, thank you for being a gold member.', language: 'en-US' });
  assert.equal(node(result, 'say_standard').config?.text, 'Hello {{flow.crm_lookup_customer_name}}. Your status code was {{crm_lookup.status}}.');

  // The SMS path is not imported, and the report says so.
  assert.equal(result.graph.nodes.some((n) => n.id === 'send_message_1'), false);
  assert.deepEqual(
    result.report.lines.filter((line) => line.outcome === 'skipped').map((line) => line.widget),
    ['Trigger', 'send_message_1'],
  );
  assert.ok(result.report.lines.some((line) => line.widget === 'say_gold' && /Polly\.Joanna/.test(line.message)));

  const validation = validateFlow(result.graph);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems));
});

test('widgets with no counterpart become placeholders named in the report, and validation fails at exactly those steps', () => {
  const result = importTwilioStudioFlow(fixture('unsupported.json'));
  const placeholders = result.report.lines.filter((line) => line.outcome === 'placeholder');
  assert.deepEqual(
    placeholders.map((line) => [line.widget, line.widgetType]),
    [
      ['greeting', 'say-play'],
      ['account_number', 'gather-input-on-call'],
      ['check_account', 'run-function'],
      ['text_receipt', 'send-message'],
      ['pay', 'capture-payments'],
      ['to_agent', 'send-to-flex'],
    ],
  );
  assert.match(placeholders[0]?.message ?? '', /Liquid filter 'capitalize'/);
  assert.match(placeholders[1]?.message ?? '', /entry of keys/);
  assert.match(placeholders[2]?.message ?? '', /HTTP request/);
  assert.equal(result.report.placeholders, 6);

  const pay = node(result, 'pay');
  assert.equal(pay.type, 'placeholder');
  assert.deepEqual(pay.config?.exits, ['success', 'maxFailedAttempts', 'providerError', 'payInterrupted', 'hangup', 'validationError']);
  assert.equal(target(result, 'pay', 'success'), 'text_receipt');
  assert.equal(target(result, 'pay', 'hangup'), 'end');
  assert.deepEqual(JSON.parse(String(pay.config?.definition)).properties.currency, 'usd');

  const validation = validateFlow(result.graph);
  assert.equal(validation.ok, false);
  const problems = validation.ok ? [] : validation.problems;
  assert.deepEqual(
    [...new Set(problems.map((problem) => problem.nodeId))].sort(),
    ['account_number', 'check_account', 'greeting', 'pay', 'text_receipt', 'to_agent'],
  );
  const flex = problems.find((problem) => problem.nodeId === 'to_agent');
  assert.match(flex?.message ?? '', /Replace this placeholder: Twilio Studio step 'to_agent' \(send-to-flex\) was not converted: Flex/);
});

test('a speech-only gather becomes a listen step whose transcript later steps read', () => {
  const result = importTwilioStudioFlow({
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'ask' }], properties: {} },
      {
        name: 'ask',
        type: 'gather-input-on-call',
        transitions: [{ event: 'keypress' }, { event: 'speech', next: 'route' }, { event: 'timeout', next: 'ask' }],
        properties: { say: 'How can we help?', hints: 'billing, orders', timeout: 3, gather_language: 'en-GB' },
      },
      {
        name: 'route',
        type: 'split-based-on',
        transitions: [
          { event: 'noMatch', next: 'bye' },
          { event: 'match', next: 'billing', conditions: [{ friendly_name: 'billing', arguments: ['{{widgets.ask.SpeechResult}}'], type: 'contains', value: 'bill' }] },
        ],
        properties: { input: '{{widgets.ask.SpeechResult}}' },
      },
      { name: 'billing', type: 'say-play', transitions: [{ event: 'audioComplete', next: 'bye' }], properties: { say: 'You said {{widgets.ask.SpeechResult}}.' } },
      { name: 'bye', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'Goodbye.' } },
    ],
  });
  assert.deepEqual(node(result, 'ask').config, { prompt: 'How can we help?', noSpeechTimeoutMs: 3000, hints: ['billing', 'orders'], language: 'en-GB' });
  assert.equal(target(result, 'ask', 'heard'), 'route');
  assert.equal(target(result, 'ask', 'noInput'), 'ask');
  assert.deepEqual(node(result, 'route').config?.conditions, [{ id: 'billing', variable: 'ask.transcript', operator: 'contains', value: 'bill' }]);
  assert.equal(node(result, 'billing').config?.text, 'You said {{ask.transcript}}.');
  const validation = validateFlow(result.graph);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems));
});

test('matches_any_of and regex splits are anchored like Studio’s whole-value match; negations become placeholders', () => {
  const split = (type: string, value: string) =>
    importTwilioStudioFlow({
      initial_state: 'Trigger',
      states: [
        { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'check' }] },
        {
          name: 'check',
          type: 'split-based-on',
          transitions: [{ event: 'noMatch' }, { event: 'match', next: 'yes', conditions: [{ friendly_name: 'hit', arguments: ['{{trigger.call.From}}'], type, value }] }],
          properties: { input: '{{trigger.call.From}}' },
        },
        { name: 'yes', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'Yes.' } },
      ],
    });
  assert.deepEqual(node(split('matches_any_of', '+1415, +1.628'), 'check').config?.conditions, [
    { id: 'hit', variable: 'call.caller', operator: 'matches', value: '^(?:\\+1415|\\+1\\.628)$' },
  ]);
  assert.equal((node(split('regex', '\\+1415.*'), 'check').config?.conditions as Array<{ value: string }>)[0]?.value, '^(?:\\+1415.*)$');
  const negated = split('does_not_contain', '555');
  assert.equal(node(negated, 'check').type, 'placeholder');
  assert.match(negated.report.lines.find((line) => line.outcome === 'placeholder')?.message ?? '', /does_not_contain/);
  // The placeholder keeps the split's exits, so its routing stays visible.
  assert.deepEqual(node(negated, 'check').config?.exits, ['noMatch', 'hit']);
});

test('input that is not a voice-capable Studio flow is refused with a message naming where', () => {
  assert.throws(() => importTwilioStudioFlow({ states: [] }), (error: unknown) => error instanceof StudioImportError && /initial_state/.test(error.message));
  assert.throws(
    () => importTwilioStudioFlow({ initial_state: 'Trigger', states: [{ name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingMessage', next: 'x' }] }] }),
    /does not handle incoming calls/,
  );
  assert.throws(() => importTwilioStudioFlow({ initial_state: 'Trigger', states: [{ name: 'Trigger', type: 'trigger' }, { name: 'Trigger', type: 'say-play' }] }), /Two widgets are named 'Trigger' \(states\.1\.name\)/);
  assert.throws(() => importTwilioStudioFlow({ initial_state: 'Trigger', states: [{ name: '', type: 'trigger' }] }), /at states\.0\.name\): Every widget needs a name/);
  assert.throws(() => importTwilioStudioFlow({ friendly_name: 'x', definition: { initial_state: 'Trigger', states: [{ name: 'Trigger', type: 7 }] } }), /at definition\.states\.0\.type/);
});

test('widget names that are not valid ids are made valid and unique; connect-call-to a variable becomes a placeholder', () => {
  const result = importTwilioStudioFlow({
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'Say hello!' }] },
      { name: 'Say hello!', type: 'say-play', transitions: [{ event: 'audioComplete', next: 'Say hello?' }], properties: { say: 'Hello' } },
      { name: 'Say hello?', type: 'say-play', transitions: [{ event: 'audioComplete', next: 'forward' }], properties: { say: 'Hello again' } },
      { name: 'forward', type: 'connect-call-to', transitions: [{ event: 'callCompleted' }], properties: { noun: 'number', to: '{{flow.variables.agent}}' } },
    ],
  });
  assert.deepEqual(
    result.graph.nodes.map((n) => [n.id, n.type]),
    [
      ['Say_hello_', 'greet'],
      ['Say_hello__2', 'greet'],
      ['forward', 'placeholder'],
      ['end', 'hangup'],
    ],
  );
  assert.equal(target(result, 'Say_hello_', 'next'), 'Say_hello__2');
  assert.match(result.report.lines.find((line) => line.widget === 'forward')?.message ?? '', /cannot come from a variable/);
});

test('connect-call-to several numbers becomes a Transfer that tries them in order; more than it can try becomes a placeholder', () => {
  const studio = (to: string) =>
    importTwilioStudioFlow({
      initial_state: 'Trigger',
      states: [
        { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingCall', next: 'desk' }] },
        { name: 'desk', type: 'connect-call-to', transitions: [{ event: 'callCompleted' }], properties: { noun: 'number-multi', to } },
      ],
    });
  const result = studio('+14155550101, 1 (415) 555-0102');
  assert.deepEqual(node(result, 'desk').config, { targets: ['+14155550101', '+14155550102'] });
  assert.ok(validateFlow(result.graph).ok);
  const notes = result.report.lines.filter((line) => line.widget === 'desk').map((line) => line.message).join(' | ');
  assert.match(notes, /one after another/);
  assert.match(notes, /'1 \(415\) 555-0102' is written as \+14155550102/);
  const tooMany = studio(Array.from({ length: 6 }, (_, index) => `+1415555010${index}`).join(','));
  assert.equal(node(tooMany, 'desk').type, 'placeholder');
  assert.match(tooMany.report.lines.find((line) => line.widget === 'desk')?.message ?? '', /at most 5/);
});

test('a gather that says nothing after a Say/Play takes its text as the menu prompt; loops back to the Say/Play reach the menu', () => {
  const result = importTwilioStudioFlow({
    description: 'Voicemail or callback',
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingMessage' }, { next: 'greet_and_offer_options', event: 'incomingCall' }], properties: { offset: { x: 0, y: 0 } } },
      {
        name: 'greet_and_offer_options',
        type: 'say-play',
        transitions: [{ next: 'gather_input', event: 'audioComplete' }],
        properties: { offset: { x: 180, y: 200 }, loop: 1, say: 'Welcome. Press 1 to hear our hours, 2 to leave a voicemail.' },
      },
      {
        name: 'gather_input',
        type: 'gather-input-on-call',
        transitions: [
          { next: 'branch_on_input', event: 'keypress' },
          { next: 'greet_and_offer_options', event: 'speech' },
          { next: 'greet_and_offer_options', event: 'timeout' },
        ],
        properties: { offset: { x: 180, y: 450 }, speech_timeout: 'auto', stop_gather: true, number_of_digits: 1, timeout: 5 },
      },
      {
        name: 'branch_on_input',
        type: 'split-based-on',
        transitions: [
          { next: 'invalid_option', event: 'noMatch' },
          { next: 'hours', event: 'match', conditions: [{ friendly_name: 'If value equal_to 1', arguments: ['{{widgets.gather_input.Digits}}'], type: 'equal_to', value: '1' }] },
          { next: 'record_voicemail_1', event: 'match', conditions: [{ friendly_name: 'Voicemail', arguments: ['{{widgets.gather_input.Digits}}'], type: 'equal_to', value: '2' }] },
        ],
        properties: { input: '{{widgets.gather_input.Digits}}', offset: { x: 180, y: 700 } },
      },
      { name: 'invalid_option', type: 'say-play', transitions: [{ next: 'greet_and_offer_options', event: 'audioComplete' }], properties: { say: 'Sorry, that was not a valid option.' } },
      { name: 'hours', type: 'say-play', transitions: [{ event: 'audioComplete' }], properties: { say: 'We are open nine to five.' } },
      { name: 'record_voicemail_1', type: 'record-voicemail', transitions: [{ event: 'recordingComplete' }, { event: 'noAudio' }, { event: 'hangup' }], properties: { max_length: 120, play_beep: 'true' } },
    ],
  });
  assert.equal(result.graph.start, 'gather_input');
  const menu = node(result, 'gather_input');
  assert.equal(menu.config?.prompt, 'Welcome. Press 1 to hear our hours, 2 to leave a voicemail.');
  assert.deepEqual(
    (menu.config?.options as Array<{ id: string; label: string }>).map((option) => [option.id, option.label]),
    [
      ['key1', 'Key 1'],
      ['key2', 'Voicemail'],
    ],
  );
  assert.equal(result.graph.nodes.some((n) => n.id === 'greet_and_offer_options'), false);
  assert.equal(target(result, 'gather_input', 'noInput'), 'gather_input');
  assert.equal(target(result, 'invalid_option', 'next'), 'gather_input');
  assert.ok(result.report.lines.some((line) => line.widget === 'greet_and_offer_options' && line.outcome === 'merged' && /prompt of 'gather_input'/.test(line.message)));
  assert.ok(result.report.lines.some((line) => line.widget === 'gather_input' && /listens for keys only/.test(line.message)));
  const validation = validateFlow(result.graph);
  assert.ok(validation.ok, JSON.stringify(!validation.ok && validation.problems));
});

test('any input either imports into a well-shaped graph or is refused with a StudioImportError, never another exception', async () => {
  const fc = (await import('fast-check')).default;
  const { flowGraphSchema } = await import('../graph');
  const types = ['trigger', 'say-play', 'gather-input-on-call', 'split-based-on', 'set-variables', 'make-http-request', 'connect-call-to', 'record-voicemail', 'send-message', 'x'];
  const names = fc.constantFrom('Trigger', 'a', 'b c', 'gather', 'split', '');
  const liquid = fc.constantFrom('{{trigger.call.From}}', '{{widgets.gather.Digits}}', '{{widgets.a.parsed.x.y}}', '{{flow.variables.v}}', '{{ x | upcase }}', '{% if x %}', 'plain', '+14155550100', '1');
  const state = fc.record({
    name: names,
    type: fc.constantFrom(...types),
    transitions: fc.array(
      fc.record({
        event: fc.constantFrom('incomingCall', 'keypress', 'speech', 'timeout', 'match', 'noMatch', 'audioComplete', 'success', 'failed', 'next'),
        next: fc.option(names, { nil: undefined }),
        conditions: fc.option(fc.array(fc.record({ type: fc.constantFrom('equal_to', 'contains', 'regex', 'matches_any_of', 'is_before_time'), value: liquid, arguments: fc.array(liquid, { maxLength: 1 }) }), { maxLength: 2 }), { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
    properties: fc.record({ say: liquid, input: liquid, to: liquid, url: fc.constantFrom('https://x.test/a', 'ftp://x', '{{flow.variables.u}}'), variables: fc.array(fc.record({ key: fc.constantFrom('v', 'bad key'), value: liquid }), { maxLength: 2 }), offset: fc.record({ x: fc.integer(), y: fc.integer() }) }, { requiredKeys: [] }),
  });
  fc.assert(
    fc.property(fc.oneof(fc.record({ initial_state: names, states: fc.array(state, { maxLength: 8 }) }), fc.anything()), (input) => {
      try {
        const result = importTwilioStudioFlow(input);
        assert.ok(flowGraphSchema.safeParse(result.graph).success, JSON.stringify(result.graph));
        validateFlow(result.graph);
      } catch (error) {
        assert.ok(error instanceof StudioImportError, String(error));
      }
    }),
    { numRuns: 2000, seed: 20261205 },
  );
});
