/**
 * How the canvas shows each node type. Everything about a type's settings, exits and help comes
 * from its declaration in @switchboard/flow-model; this map adds only looks and a few nicer
 * editors. It is a `Record<NodeType, …>`: a new node type does not compile until it has an entry.
 */
import type { NodeCategory, NodeType } from '@switchboard/flow-model';
import { humanize } from '../lib/text';

/** Listen and AI agent: the free-speech end-of-turn settings (activities/media/stt/turn-end.ts). */
const finishedSentenceField = {
  label: 'End at a short pause after a finished sentence',
  help: 'On: “I would like to check my balance” ends after about 300 ms of silence; an unfinished one (“…to”, “…um”) waits for the silence below. Turn off for callers who pause mid-sentence.',
};
const freeSpeechSilenceHelp =
  'Silence that ends an answer that sounds unfinished (“…to”, “…my”, “…um”), or any answer with the setting above off. Shorter answers faster but may cut off a slow speaker; 200–5000 ms.';

/** Palette groups (the declarations' categories), in the order and words the palette shows them. */
export const paletteCategories: Record<NodeCategory, { order: number; label: string }> = {
  speak: { order: 0, label: 'Speak' },
  input: { order: 1, label: 'Ask the caller' },
  logic: { order: 2, label: 'Decide' },
  integrate: { order: 3, label: 'Connect to services' },
  route: { order: 4, label: 'Transfer and end' },
};

/** Editors the settings form has beyond the ones it picks from the schema. */
export type WidgetName = 'text' | 'textarea' | 'menuOptions' | 'timeZone' | 'weeklyHours' | 'audioAsset';

/** Overrides for one setting, keyed by its dotted path (`options`, `timeoutMs`). */
export interface FieldUi {
  /** Label instead of the humanized key. */
  label?: string;
  /** One sentence under the field. */
  help?: string;
  placeholder?: string;
  widget?: WidgetName;
  /** Spoken text: the field gets a preview button. */
  spoken?: boolean;
}

/** A node's settings as the canvas reads them: unvalidated. */
export type ConfigView = Readonly<Record<string, unknown>>;

/** The canvas entry of a node type. */
export interface NodeTypeUi {
  /** SVG path data on a 24×24 grid, drawn with a 2px stroke. */
  icon: string;
  /** The type's colour: icon, palette chip and node header. */
  accent: string;
  /** One line under the node's name saying what it does with these settings. */
  summary(config: ConfigView): string;
  /** Text on an exit's handle; default: the exit name humanized. */
  exitLabel?(exit: string, config: ConfigView): string;
  fields?: Readonly<Record<string, FieldUi>>;
  /** Added to a new node's settings. */
  initialConfig?: Record<string, unknown>;
  /** False for types that only imports create (left out of the palette). */
  inPalette?: boolean;
}

const text = (config: ConfigView, key: string): string => {
  const value = config[key];
  return typeof value === 'string' ? value.trim() : '';
};

const quoted = (value: string, empty: string) => (value ? `“${value}”` : empty);

interface MenuOptionView {
  id?: unknown;
  digit?: unknown;
  label?: unknown;
}
const menuOptions = (config: ConfigView): MenuOptionView[] =>
  Array.isArray(config.options) ? config.options.filter((o): o is MenuOptionView => typeof o === 'object' && o !== null) : [];

const TEXT_HELP = 'Placeholders like {{call.caller}} or {{flow.name}} are filled in during the call.';

/** Placeholders only come from imports (nodeTypeUi.placeholder). */
const placeholderUi: NodeTypeUi = {
  icon: 'M12 9v4 M12 17h.01 M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
  accent: '#6b7280',
  summary: (config) => {
    const original = text(config, 'original');
    const type = text(config, 'originalType');
    return original ? `Replace: ${original}${type ? ` (${type})` : ''}` : 'Replace this step';
  },
  fields: {
    reason: { label: 'Why it was not converted', widget: 'textarea' },
    definition: { label: 'Original definition', widget: 'textarea' },
  },
  inPalette: false,
};

/** The canvas entry of every node type. */
export const nodeTypeUi: Record<NodeType, NodeTypeUi> = {
  greet: {
    icon: 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z M8 9h8 M8 13h5',
    accent: '#2563eb',
    summary: (config) => quoted(text(config, 'text'), 'No message yet'),
    fields: {
      text: { label: 'Message', widget: 'textarea', spoken: true, placeholder: 'Thanks for calling Acme.', help: TEXT_HELP },
      voice: { help: 'Text-to-speech voice; leave empty for the default voice.', placeholder: 'default' },
      language: { help: 'Language code such as en or en-US; leave empty for the flow’s language.', placeholder: 'en' },
      interruptible: { label: 'Caller can interrupt', help: 'A key press stops the message; the key counts for the next menu.' },
    },
  },
  menu: {
    icon: 'M5 4h2v2H5z M11 4h2v2h-2z M17 4h2v2h-2z M5 10h2v2H5z M11 10h2v2h-2z M17 10h2v2h-2z M5 16h2v2H5z M11 16h2v2h-2z M17 16h2v2h-2z',
    accent: '#7c3aed',
    summary: (config) => {
      const options = menuOptions(config);
      const keys = options.map((option) => (typeof option.digit === 'string' ? option.digit : '?')).join(', ');
      return options.length ? `${quoted(text(config, 'prompt'), 'No prompt yet')} · keys ${keys}` : 'No options yet';
    },
    exitLabel: (exit, config) => {
      if (exit === 'noInput') return 'No key';
      if (exit === 'noMatch') return 'Wrong key';
      const option = menuOptions(config).find((o) => o.id === exit);
      const label = typeof option?.label === 'string' && option.label.trim() ? option.label.trim() : exit;
      return typeof option?.digit === 'string' ? `${option.digit} · ${label}` : label;
    },
    fields: {
      prompt: { widget: 'textarea', spoken: true, placeholder: 'Press 1 for sales, 2 for support.', help: 'Played before waiting for a key. ' + TEXT_HELP },
      options: { label: 'Options', widget: 'menuOptions', help: 'Each option leaves the menu by its own exit.' },
      timeoutMs: { label: 'Wait for a key', help: 'How long to wait after the prompt before counting it as no key.' },
      retries: { help: 'How often the prompt is repeated after no key or a wrong key, before leaving by No key or Wrong key.' },
      noInputPrompt: { label: 'When no key is pressed, say', widget: 'textarea', spoken: true },
      noMatchPrompt: { label: 'When a wrong key is pressed, say', widget: 'textarea', spoken: true },
      interruptible: { label: 'Caller can press during the prompt' },
      endSilenceMs: {
        label: 'Silence that ends a spoken answer',
        help: 'With speech on. An answer that is already a whole option ends after a short pause (about 250 ms) instead. 200–5000 ms.',
      },
    },
    initialConfig: { options: [{ id: 'option1', digit: '1', label: 'Option 1' }] },
  },
  play: {
    icon: 'M11 5 6 9H2v6h4l5 4z M15.5 8.5a5 5 0 0 1 0 7 M19 5a10 10 0 0 1 0 14',
    accent: '#0891b2',
    summary: (config) => (text(config, 'assetId') ? 'Plays an uploaded audio file' : 'No audio file chosen'),
    fields: {
      assetId: { label: 'Audio file', widget: 'audioAsset', help: 'A WAV file; it is converted to mono for phone calls.' },
      interruptible: { label: 'Caller can interrupt', help: 'A key press stops the audio; the key counts for the next menu.' },
    },
  },
  listen: {
    icon: 'M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3z M19 10v2a7 7 0 0 1-14 0v-2 M12 19v3',
    accent: '#9333ea',
    summary: (config) => {
      const saveAs = text(config, 'saveAs');
      return `${quoted(text(config, 'prompt'), 'Listens for speech')}${saveAs ? ` → {{flow.${saveAs}}}` : ''}`;
    },
    exitLabel: (exit) => (exit === 'heard' ? 'Heard speech' : exit === 'noInput' ? 'Silence' : humanize(exit)),
    fields: {
      prompt: { widget: 'textarea', spoken: true, placeholder: 'How can we help you today?', help: 'Asked before listening; leave empty to just listen. ' + TEXT_HELP },
      saveAs: { label: 'Save what was said as', help: 'Also keep the transcript in {{flow.<name>}}.', placeholder: 'reason' },
      noSpeechTimeoutMs: { label: 'Wait for speech' },
      endOnFinishedSentence: finishedSentenceField,
      endSilenceMs: { label: 'Silence that ends the answer', help: freeSpeechSilenceHelp },
      maxDurationMs: { label: 'Longest answer' },
      hints: { label: 'Expected words', help: 'Words and phrases the recognizer should expect.' },
    },
  },
  branch: {
    icon: 'M6 3v12 M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M18 9a9 9 0 0 1-9 9',
    accent: '#d97706',
    summary: (config) => {
      const count = Array.isArray(config.conditions) ? config.conditions.length : 0;
      return count ? `${count} condition${count === 1 ? '' : 's'}, checked in order` : 'No conditions yet';
    },
    exitLabel: (exit) => (exit === 'else' ? 'Else' : humanize(exit)),
    fields: {
      conditions: { help: 'Checked top to bottom; the first that holds picks the exit. Nothing holds: Else.' },
      'conditions.id': { label: 'Exit name', help: 'The exit taken when this condition holds.' },
      'conditions.variable': { placeholder: 'flow.reason', help: 'A variable such as {{flow.reason}} or {{mainMenu.digit}}, without braces.' },
      'conditions.value': { label: 'Compared with', help: 'Placeholders allowed; unused for “is empty”.' },
    },
    initialConfig: { conditions: [{ id: 'match', variable: '', operator: 'equals', value: '' }] },
  },
  setVariable: {
    icon: 'M4 9h16 M4 15h16 M10 3 8 21 M16 3l-2 18',
    accent: '#059669',
    summary: (config) => {
      const names = Array.isArray(config.assignments)
        ? config.assignments.map((a: unknown) => (a && typeof a === 'object' && 'name' in a ? String(a.name) : '?')).filter(Boolean)
        : [];
      return names.length ? `Sets ${names.map((name) => `flow.${name}`).join(', ')}` : 'Sets nothing yet';
    },
    fields: {
      assignments: { label: 'Variables', help: 'Each value may use {{placeholders}}; read it later as {{flow.<name>}}.' },
      'assignments.name': { placeholder: 'reason' },
    },
    initialConfig: { assignments: [{ name: '', value: '' }] },
  },
  httpRequest: {
    icon: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z M2 12h20 M12 2a15 15 0 0 1 0 20 M12 2a15 15 0 0 0 0 20',
    accent: '#0d9488',
    summary: (config) => (text(config, 'url') ? `${text(config, 'method') || 'GET'} ${text(config, 'url')}` : 'No address yet'),
    exitLabel: (exit) => (exit === 'ok' ? 'OK (2xx)' : exit === 'failed' ? 'Failed' : humanize(exit)),
    fields: {
      url: { label: 'Address', placeholder: 'https://crm.example.com/customers?phone={{call.caller}}', help: TEXT_HELP },
      body: { widget: 'textarea', help: 'Sent as is; placeholders are filled in.' },
      timeoutMs: { label: 'Give up after' },
      responseMappings: { label: 'Keep from the answer', help: 'Stores a field of the JSON answer (dotted path; empty = everything) in {{flow.<variable>}}.' },
      'headers.name': { placeholder: 'Authorization' },
      'responseMappings.path': { placeholder: 'customer.name' },
    },
  },
  businessHours: {
    icon: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z M12 6v6l4 2',
    accent: '#ca8a04',
    summary: (config) => (text(config, 'timeZone') ? `Opening hours in ${text(config, 'timeZone')}` : 'No time zone yet'),
    exitLabel: (exit) => humanize(exit),
    fields: {
      timeZone: { widget: 'timeZone', help: 'Opening hours are in this time zone, whatever the caller’s.' },
      weekly: { label: 'Opening hours', widget: 'weeklyHours' },
      holidays: { help: 'Closed all day on these dates.' },
      overrides: { label: 'Special hours', help: 'Replace one date’s hours.' },
    },
    initialConfig: {
      timeZone: 'America/New_York',
      weekly: {
        mon: [{ open: '09:00', close: '17:00' }],
        tue: [{ open: '09:00', close: '17:00' }],
        wed: [{ open: '09:00', close: '17:00' }],
        thu: [{ open: '09:00', close: '17:00' }],
        fri: [{ open: '09:00', close: '17:00' }],
        sat: [],
        sun: [],
      },
    },
  },
  transfer: {
    icon: 'M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.3 1.8.6 2.6a2 2 0 0 1-.4 2.1L8 9.7a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.8.3 1.7.5 2.6.6a2 2 0 0 1 1.7 2z M16 2h6v6 M22 2l-7 7',
    accent: '#4f46e5',
    summary: (config) => {
      const targets = Array.isArray(config.targets) ? config.targets.filter((target): target is string => typeof target === 'string' && target.trim() !== '') : [];
      if (targets.length === 0) return 'No destination yet';
      return targets.length === 1 ? `Transfers to ${targets[0]}` : `Transfers to ${targets[0]}, then ${targets.length - 1} more`;
    },
    exitLabel: (exit) => (exit === 'failed' ? 'Transfer failed' : humanize(exit)),
    initialConfig: { targets: [''] },
    fields: {
      targets: { label: 'Transfer to', placeholder: '+14155550123 or sip:desk@example.com', help: 'Numbers (+14155550123) or SIP addresses, tried in order: when one fails, the next is called.' },
      announcement: { label: 'Say first', widget: 'textarea', spoken: true, placeholder: 'Please hold while we connect you.' },
    },
  },
  recordVoicemail: {
    icon: 'M6 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M18 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M6 16h12',
    accent: '#be185d',
    summary: (config) => quoted(text(config, 'prompt'), '“Please leave a message after the tone.”'),
    exitLabel: (exit) => (exit === 'recorded' ? 'Recorded' : exit === 'noAudio' ? 'Nothing said' : humanize(exit)),
    fields: {
      prompt: { widget: 'textarea', spoken: true },
      maxDurationMs: { label: 'Longest message' },
      silenceTimeoutMs: { label: 'Stop after silence of' },
      finishKey: { help: 'The caller presses it to finish the message.' },
      saveAs: { label: 'Save the recording id as', placeholder: 'voicemail' },
    },
  },
  aiAgent: {
    icon: 'M12 8V4H8 M4 8h16v12H4z M2 14h2 M20 14h2 M15 13v2 M9 13v2',
    accent: '#7c3aed',
    summary: (config) => {
      const connection = typeof config.connection === 'object' && config.connection !== null ? (config.connection as ConfigView) : {};
      const outcomes = Array.isArray(config.outcomes) ? config.outcomes.length : 0;
      return `${text(connection, 'model') || 'No model yet'} · ${outcomes} outcome${outcomes === 1 ? '' : 's'}`;
    },
    exitLabel: (exit) => (exit === 'maxTurns' ? 'Limit reached' : exit === 'noInput' ? 'No input' : exit === 'error' ? 'Model failed' : humanize(exit)),
    fields: {
      instructions: { widget: 'textarea', placeholder: 'You book appointments for Acme. Ask for the day, then the hour…', help: `What the agent is for and how it talks. ${TEXT_HELP}` },
      greeting: { widget: 'textarea', spoken: true, placeholder: 'Hello, this is Acme. How can I help?', help: 'Said first; leave empty to let the model speak first.' },
      'connection.model': { placeholder: 'gpt-4o-mini' },
      'connection.baseUrl': { label: 'Base URL', placeholder: 'https://api.openai.com/v1', help: 'Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, vLLM, Ollama); empty: the media worker’s LLM_BASE_URL.' },
      'connection.credential': { label: 'Key', help: 'The connection (Settings → Credentials, “Language model API key”) holding the API key; without one stored, the worker’s LLM_API_KEY.' },
      fallback: { help: 'Another endpoint tried when the first fails after its retries.' },
      outcomes: { help: 'Each outcome is an exit; the agent ends the conversation with one of them.' },
      fields: { label: 'Fields to collect', help: 'Stored as {{flow.<name>}}, checked against their type before the step leaves.' },
      'outcomes.id': { placeholder: 'booked' },
      'outcomes.description': { placeholder: 'The appointment is saved and the caller agreed.' },
      'fields.name': { placeholder: 'day' },
      tools: { label: 'HTTP tools', help: 'Web services the agent may call: GET and DELETE send its arguments as query parameters, the others as a JSON body; the answer goes back to the agent.' },
      'tools.name': { placeholder: 'free_hours' },
      'tools.url': { placeholder: 'https://booking.example.com/slots', help: TEXT_HELP },
      'tools.parameters': { label: 'Arguments (JSON schema)', help: 'e.g. {"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]}' },
      maxTurns: { help: 'Caller turns before the step leaves by “Limit reached”.' },
      maxDurationMs: { label: 'Longest conversation' },
      maxTokensPerTurn: { label: 'Longest answer (tokens)' },
      timeoutMs: { label: 'Model call timeout' },
      endOnFinishedSentence: finishedSentenceField,
      endSilenceMs: { label: 'Silence that ends the caller’s turn', help: freeSpeechSilenceHelp },
    },
    initialConfig: {
      instructions: '',
      connection: { model: 'gpt-4o-mini' },
      outcomes: [{ id: 'done', description: 'The caller’s request is handled.' }],
      fields: [],
    },
  },
  hangup: {
    icon: 'M10.7 13.3a16 16 0 0 0 3.4 2.6l1.3-1.3a2 2 0 0 1 2.1-.4c.8.3 1.7.5 2.6.6a2 2 0 0 1 1.7 2v3a2 2 0 0 1-2.2 2A19.8 19.8 0 0 1 2 4.2 2 2 0 0 1 4 2h3a2 2 0 0 1 2 1.7c.1.9.3 1.8.6 2.6a2 2 0 0 1-.4 2.1L8 9.7 M22 2 2 22',
    accent: '#dc2626',
    summary: (config) => (text(config, 'farewell') ? quoted(text(config, 'farewell'), '') : 'Ends the call'),
    fields: {
      farewell: { widget: 'textarea', spoken: true, placeholder: 'Thank you for calling. Goodbye.', help: 'Said before the call ends; leave empty to hang up at once.' },
    },
  },
  placeholder: placeholderUi,
};

/** The text on an exit's handle. */
export function exitLabel(type: string, exit: string, config: ConfigView): string {
  const ui = type in nodeTypeUi ? nodeTypeUi[type as NodeType] : undefined;
  return ui?.exitLabel?.(exit, config) ?? humanize(exit);
}
