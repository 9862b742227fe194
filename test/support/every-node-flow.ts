import type { FlowGraphInput } from '@switchboard/flow-model';

const allDay = [{ open: '00:00', close: '24:00' }];
const openAlways = { timeZone: 'Europe/Paris', weekly: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay } };
const closedAlways = { timeZone: 'America/New_York', weekly: {} };

/**
 * A flow that uses every node type, each exit leading somewhere observable:
 * set variable → hours → HTTP lookup → hello → listen → branch ("message"?) → spoken menu →
 * transfer to sales → (failed) audio → voicemail → goodbye; every other exit ends at a hang-up of its own.
 */
export function everyNodeFlow(options: { serviceUrl: string; assetId: string; hours?: 'open' | 'closed'; menuRetries?: number }): FlowGraphInput {
  return {
    start: 'init',
    nodes: [
      { id: 'init', type: 'setVariable', label: 'Remember', config: { assignments: [{ name: 'greeting', value: 'Welcome, caller from {{call.caller}}' }] } },
      { id: 'hours', type: 'businessHours', label: 'Open?', config: options.hours === 'closed' ? closedAlways : openAlways },
      {
        id: 'lookup',
        type: 'httpRequest',
        label: 'Find caller',
        config: { url: `${options.serviceUrl}?from={{call.caller}}`, responseMappings: [{ variable: 'name', path: 'name' }] },
      },
      { id: 'hello', type: 'greet', label: 'Hello', config: { text: 'Hello {{flow.name}}. {{flow.greeting}}.' } },
      { id: 'ask', type: 'listen', label: 'Ask', config: { prompt: 'How can I help?', saveAs: 'reason' } },
      {
        id: 'route',
        type: 'branch',
        label: 'Wants voicemail?',
        config: { conditions: [{ id: 'wantsVoicemail', variable: 'flow.reason', operator: 'contains', value: 'message' }] },
      },
      {
        id: 'menu',
        type: 'menu',
        label: 'Choose',
        config: {
          prompt: 'Say sales or support, or press 1 or 2.',
          speech: true,
          options: [
            { id: 'sales', digit: '1', label: 'Sales', synonyms: ['buy'] },
            { id: 'support', digit: '2', label: 'Support' },
          ],
          retries: options.menuRetries ?? 0,
        },
      },
      { id: 'toSales', type: 'transfer', label: 'To sales', config: { to: '+14155550999', announcement: 'Connecting you to sales.' } },
      { id: 'jingle', type: 'play', label: 'Chime', config: { assetId: options.assetId } },
      { id: 'voicemail', type: 'recordVoicemail', label: 'Voicemail', config: { prompt: 'Leave a message for {{flow.name}} after the tone.' } },
      { id: 'bye', type: 'hangup', label: 'Bye', config: { farewell: 'Goodbye {{flow.name}}.' } },
      { id: 'closed', type: 'hangup', config: { farewell: 'We are closed.' } },
      { id: 'down', type: 'hangup', config: { farewell: 'Our systems are down.' } },
      { id: 'silent', type: 'hangup', config: { farewell: 'I did not hear anything.' } },
      { id: 'supportDesk', type: 'hangup', config: { farewell: 'Support will call you back.' } },
      { id: 'unknown', type: 'hangup', config: { farewell: 'I did not understand.' } },
      { id: 'noMessage', type: 'hangup', config: { farewell: 'No message recorded.' } },
    ],
    edges: [
      { from: 'init', exit: 'next', to: 'hours' },
      { from: 'hours', exit: 'open', to: 'lookup' },
      { from: 'hours', exit: 'closed', to: 'closed' },
      { from: 'lookup', exit: 'ok', to: 'hello' },
      { from: 'lookup', exit: 'failed', to: 'down' },
      { from: 'hello', exit: 'next', to: 'ask' },
      { from: 'ask', exit: 'heard', to: 'route' },
      { from: 'ask', exit: 'noInput', to: 'silent' },
      { from: 'route', exit: 'wantsVoicemail', to: 'voicemail' },
      { from: 'route', exit: 'else', to: 'menu' },
      { from: 'menu', exit: 'sales', to: 'toSales' },
      { from: 'menu', exit: 'support', to: 'supportDesk' },
      { from: 'menu', exit: 'noInput', to: 'silent' },
      { from: 'menu', exit: 'noMatch', to: 'unknown' },
      { from: 'toSales', exit: 'failed', to: 'jingle' },
      { from: 'jingle', exit: 'next', to: 'voicemail' },
      { from: 'voicemail', exit: 'recorded', to: 'bye' },
      { from: 'voicemail', exit: 'noAudio', to: 'noMessage' },
    ],
  };
}
