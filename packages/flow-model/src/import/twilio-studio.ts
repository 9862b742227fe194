/**
 * Twilio Studio import: turns a Studio flow definition (the JSON Studio exports, or the Flow
 * resource of Studio's REST API with its `definition`) into a Switchboard draft and a report.
 *
 * Pure and synchronous (no I/O), so the API, tests and the builder can all run it. Voice widgets
 * become steps; a gather whose keypress goes to a split on its Digits becomes one menu; Liquid
 * references become Switchboard variables; what has no counterpart becomes a `placeholder` step
 * (which never validates, so the draft cannot be published by accident) and a report line.
 *
 * Format: https://www.twilio.com/docs/studio/rest-api/v2/flow-definition and the widget library
 * (https://www.twilio.com/docs/studio/widget-library).
 */
import { z } from 'zod';
import type { FlowGraphInput, FlowLayout, FlowNodeInput } from '../graph';
import { MAX_FLOW_NODES } from '../graph';
import { DTMF_KEYS } from '../node-types/shared';
import { MAX_TRANSFER_TARGETS, TRANSFER_TARGET, transfer } from '../node-types/transfer';
import { VARIABLE_NAME } from '../template';

// ---- Input ---------------------------------------------------------------------------------

const studioCondition = z.looseObject({
  friendly_name: z.string().max(500).optional(),
  arguments: z.array(z.string().max(2000)).max(10).optional(),
  type: z.string().min(1, 'Name the condition type').max(100),
  value: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
});

const studioTransition = z.looseObject({
  event: z.string().min(1, 'Name the event').max(100),
  next: z.string().max(200).optional().nullable(),
  conditions: z.array(studioCondition).max(50).optional(),
});

const studioState = z.looseObject({
  name: z.string().min(1, 'Every widget needs a name').max(200),
  type: z.string().min(1, 'Every widget needs a type').max(100),
  transitions: z.array(studioTransition).max(100).default([]),
  properties: z.record(z.string(), z.unknown()).default({}),
});

/** A Studio flow definition, as Studio exports it. */
export const studioFlowSchema = z.looseObject({
  description: z.string().max(500).optional(),
  initial_state: z.string().min(1, 'Name the initial state (usually "Trigger")').max(200),
  states: z.array(studioState).min(1, 'A Studio flow has at least its Trigger').max(1000, 'A Studio flow has at most 1,000 widgets'),
  flags: z.looseObject({}).optional(),
});

/** What the importer accepts: a definition, or Studio's Flow resource holding one (`definition`, `friendly_name`). */
export const studioImportInputSchema = z.union([
  studioFlowSchema,
  z.looseObject({ friendly_name: z.string().max(200).optional(), definition: studioFlowSchema }),
]);

export type StudioFlowDefinition = z.output<typeof studioFlowSchema>;
type StudioState = z.output<typeof studioState>;
type StudioCondition = z.output<typeof studioCondition>;

// ---- Output --------------------------------------------------------------------------------

/** One line of the import report. */
export interface StudioImportLine {
  /** The Studio widget's name. */
  widget: string;
  /** Its Studio type, e.g. `gather-input-on-call`. */
  widgetType: string;
  /**
   * converted: became the step `nodeId`; merged: folded into another step (a split into a menu);
   * placeholder: became a placeholder that must be replaced; skipped: not imported (not reached by
   * a call); note: converted, with a difference worth knowing.
   */
  outcome: 'converted' | 'merged' | 'placeholder' | 'skipped' | 'note';
  nodeId?: string;
  message: string;
}

export interface StudioImportResult {
  /** A name for the flow: the Flow resource's friendly_name, the definition's description, or "Imported from Twilio Studio". */
  name: string;
  graph: FlowGraphInput;
  layout: FlowLayout;
  report: {
    widgets: number;
    converted: number;
    placeholders: number;
    skipped: number;
    lines: StudioImportLine[];
  };
}

/** The definition cannot be imported at all (it answers no calls, or is not a Studio flow). */
export class StudioImportError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

// ---- Tables ---------------------------------------------------------------------------------

/** Studio widget types with no Switchboard counterpart, and why (said in the report and on the step). */
const UNSUPPORTED: Record<string, string> = {
  'send-message': 'Switchboard flows handle calls only; sending a text message has no step',
  'send-and-wait-for-reply': 'Switchboard flows handle calls only; text messaging has no step',
  'send-to-flex': 'Flex (TaskRouter queues) has no counterpart; use a Transfer to your agents’ number or SIP address',
  'enqueue-call': 'call queues have no counterpart; use a Transfer to your agents’ number or SIP address',
  'run-function': 'Twilio Functions cannot run here; call the same logic over HTTP with an HTTP request step',
  'capture-payments': 'payment capture (PCI DTMF collection) has no counterpart',
  'record-call': 'recording the whole call is set on the phone number (Phone numbers → recording), not by a step',
  'add-twiml-redirect': 'TwiML is not run here',
  'fork-stream': 'media streams have no counterpart',
  'run-subflow': 'subflows are not imported; import that flow separately and connect the steps',
  'make-outgoing-call-v1': 'flows answer incoming calls; outgoing calls have no step',
  'make-outgoing-call-v2': 'flows answer incoming calls; outgoing calls have no step',
  'connect-virtual-agent': 'virtual agents (Dialogflow) have no counterpart',
  'connect-virtual-agent-v2': 'virtual agents (Dialogflow) have no counterpart',
  'run-conversation-relay': 'ConversationRelay has no counterpart',
  'start-conversation': 'Conversations have no counterpart',
  'resume-conversation': 'Conversations have no counterpart',
  'send-to-auto-pilot': 'Autopilot has no counterpart',
  'call-user': 'outgoing calls have no step',
};

/** Split conditions as branch operators (Studio's comparisons are case-insensitive; so are ours by default). */
const OPERATORS: Record<string, 'equals' | 'notEquals' | 'contains' | 'startsWith' | 'matches' | 'lessThan' | 'greaterThan' | 'isEmpty' | 'isNotEmpty'> = {
  equal_to: 'equals',
  not_equal_to: 'notEquals',
  contains: 'contains',
  starts_with: 'startsWith',
  regex: 'matches',
  matches_any_of: 'matches',
  less_than: 'lessThan',
  greater_than: 'greaterThan',
  is_blank: 'isEmpty',
  is_not_blank: 'isNotEmpty',
};

const CALL_FACTS: Record<string, string> = {
  'trigger.call.From': 'call.caller',
  'trigger.call.Caller': 'call.caller',
  'contact.channel.address': 'call.caller',
  'trigger.call.To': 'call.called',
  'trigger.call.Called': 'call.called',
  'flow.channel.address': 'call.called',
  'trigger.call.CallSid': 'call.id',
};

/** Studio's canvas packs widgets closer than our steps are tall: its offsets are spread by this much. */
export const STUDIO_LAYOUT_SCALE = { x: 1.3, y: 1.5 } as const;

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const EXIT_ID = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;

// ---- Helpers --------------------------------------------------------------------------------

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const num = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));
const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** A unique id from a name, made of the characters ids allow. */
function uniqueId(name: string, taken: Set<string>, pattern: RegExp, fallback: string, maxLength: number): string {
  let base = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, maxLength);
  if (pattern === EXIT_ID) base = base.replace(/^[^A-Za-z]+/, '');
  if (!base || !pattern.test(base)) base = fallback;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, maxLength - String(n).length - 1)}_${n}`;
  taken.add(id);
  return id;
}

const nextOf = (state: StudioState, event: string): string | undefined => {
  const next = state.transitions.find((transition) => transition.event === event)?.next;
  return next ? next : undefined;
};

/** The single Liquid path in `{{ path }}`, or undefined when the text is anything else. */
const singlePath = (text: string | undefined): string | undefined => text?.match(/^\s*\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}\s*$/)?.[1];

interface GatherPlan {
  kind: 'menu' | 'listen';
  /** The split folded into the menu (keypress), and the one whose words became synonyms (speech). */
  keySplit?: string;
  speechSplit?: string;
}

// ---- Import ---------------------------------------------------------------------------------

/**
 * Converts a Studio flow definition. Throws {@link StudioImportError} only when nothing can be
 * imported (no incoming-call path); everything else is converted or reported.
 */
export function importTwilioStudioFlow(input: unknown, options: { name?: string } = {}): StudioImportResult {
  // Studio's Flow resource (REST API) holds the definition under `definition`.
  const isResource = typeof input === 'object' && input !== null && !Array.isArray(input) && 'definition' in input && !('states' in input);
  const parsed = isResource ? studioImportInputSchema.safeParse(input) : studioFlowSchema.safeParse(input);
  if (!parsed.success) {
    const issue = isResource ? (studioFlowSchema.safeParse((input as { definition: unknown }).definition).error?.issues[0] ?? parsed.error.issues[0]) : parsed.error.issues[0];
    const path = [...(isResource ? ['definition'] : []), ...(issue?.path ?? [])].join('.');
    throw new StudioImportError(`Not a Twilio Studio flow definition${path ? ` (at ${path})` : ''}: ${issue?.message ?? 'unreadable'}`, path || undefined);
  }
  const wrapped = isResource ? (parsed.data as { friendly_name?: string; definition: StudioFlowDefinition }) : undefined;
  const definition = wrapped ? wrapped.definition : (parsed.data as StudioFlowDefinition);
  const name = (options.name ?? wrapped?.friendly_name ?? definition.description ?? '').trim().slice(0, 120) || 'Imported from Twilio Studio';

  const states = new Map<string, StudioState>();
  definition.states.forEach((state, index) => {
    if (states.has(state.name)) throw new StudioImportError(`Two widgets are named '${state.name}' (states.${index}.name)`, `states.${index}.name`);
    states.set(state.name, state);
  });
  const trigger = states.get(definition.initial_state);
  if (!trigger) throw new StudioImportError(`The initial state '${definition.initial_state}' is not one of the widgets`, 'initial_state');
  const firstWidget = nextOf(trigger, 'incomingCall');
  if (!firstWidget) {
    throw new StudioImportError('The Trigger does not handle incoming calls (its incomingCall transition leads nowhere): there is nothing to import for phone calls', 'initial_state');
  }
  if (!states.has(firstWidget)) throw new StudioImportError(`The Trigger's incomingCall leads to '${firstWidget}', which is not one of the widgets`);

  const lines: StudioImportLine[] = [];
  const report = (line: StudioImportLine) => lines.push(line);

  // What a call can reach, from the Trigger's incomingCall.
  const reached = new Set<string>();
  const queue = [firstWidget];
  while (queue.length > 0) {
    const current = states.get(queue.shift() as string);
    if (!current || reached.has(current.name)) continue;
    reached.add(current.name);
    for (const transition of current.transitions) if (transition.next && states.has(transition.next)) queue.push(transition.next);
  }
  for (const state of definition.states) {
    if (state === trigger) {
      for (const transition of state.transitions) {
        if (transition.event !== 'incomingCall' && transition.next) {
          report({ widget: state.name, widgetType: state.type, outcome: 'skipped', message: `The ${transition.event} trigger (to '${transition.next}') is not imported: Switchboard flows answer calls` });
        }
      }
    } else if (!reached.has(state.name)) {
      report({ widget: state.name, widgetType: state.type, outcome: 'skipped', message: 'Not reached by an incoming call (used by messages or REST API executions only)' });
    }
  }
  if (reached.size > MAX_FLOW_NODES - 1) throw new StudioImportError(`The flow has ${reached.size} widgets a call can reach; a Switchboard flow has at most ${MAX_FLOW_NODES - 1} steps plus its end`);

  // Incoming transitions per widget (who leads here).
  const incoming = new Map<string, string[]>();
  for (const name of reached) {
    for (const transition of (states.get(name) as StudioState).transitions) {
      if (transition.next && reached.has(transition.next)) incoming.set(transition.next, [...(incoming.get(transition.next) ?? []), name]);
    }
  }

  // Node ids, one per reached widget (merged splits share their menu's).
  const taken = new Set<string>();
  const idOf = new Map<string, string>();
  for (const name of reached) idOf.set(name, uniqueId(name, taken, NODE_ID, 'step', 64));

  // Gathers: a menu (keys, with a split on its Digits), a listen (speech only), or a placeholder.
  const gatherPlans = new Map<string, GatherPlan>();
  const mergedInto = new Map<string, string>();
  const mergeReasons = new Map<string, string>();
  /** Prompts of gathers taken from the Say/Play before them. */
  const promptFrom = new Map<string, string>();
  for (const name of reached) {
    const state = states.get(name) as StudioState;
    if (state.type !== 'gather-input-on-call') continue;
    const plan = planGather(state, states);
    if (!plan) continue;
    gatherPlans.set(name, plan);
    for (const split of [plan.keySplit, plan.speechSplit]) {
      // A split only this gather leads to is folded into the menu; one others use stays a branch.
      if (split && (incoming.get(split) ?? []).every((from) => from === name)) {
        mergedInto.set(split, name);
        mergeReasons.set(split, `Folded into the menu '${name}': its conditions became the menu's options`);
      }
    }
    // A gather that says nothing itself, reached only from a Say/Play that only leads here: the
    // Say/Play's text becomes the prompt (Studio plays them back to back; a menu needs its prompt).
    const before = incoming.get(name) ?? [];
    const say = before.length === 1 ? states.get(before[0] as string) : undefined;
    if (
      !str(state.properties.say)?.trim() &&
      !str(state.properties.play) &&
      say?.type === 'say-play' &&
      str(say.properties.say)?.trim() &&
      !str(say.properties.play) &&
      !str(say.properties.digits) &&
      (num(say.properties.loop) ?? 1) <= 1 &&
      say.transitions.every((transition) => !transition.next || (transition.event === 'audioComplete' && transition.next === name)) &&
      !mergedInto.has(say.name)
    ) {
      mergedInto.set(say.name, name);
      promptFrom.set(name, str(say.properties.say) as string);
      mergeReasons.set(say.name, `Became the prompt of '${name}', which it played before`);
    }
  }

  // Variables by Studio path, filled in as widgets are converted; HTTP answers' fields by widget.
  const httpMappings = new Map<string, Array<{ variable: string; path: string }>>();
  const variableNames = new Set<string>();
  const kindOf = (widget: string): string | undefined => {
    const state = states.get(widget);
    if (!state || !reached.has(widget)) return undefined;
    if (state.type === 'gather-input-on-call') return gatherPlans.get(widget)?.kind ?? state.type;
    return state.type;
  };

  /** The Switchboard variable path for a Studio Liquid path, or a reason it has none. */
  const mapPath = (path: string): { path: string } | { error: string } => {
    const fact = CALL_FACTS[path];
    if (fact) return { path: fact };
    const flowVariable = path.match(/^flow\.variables\.(.+)$/);
    if (flowVariable) {
      const variable = flowVariable[1] as string;
      return VARIABLE_NAME.test(variable) ? { path: `flow.${variable}` } : { error: `flow variable '${variable}' has no valid Switchboard name` };
    }
    const widgetRef = path.match(/^widgets\.([^.]+)\.(.+)$/);
    if (widgetRef) {
      const [, widget, field] = widgetRef as unknown as [string, string, string];
      const id = idOf.get(widget);
      const kind = kindOf(widget);
      if (!id || !kind) return { error: `widget '${widget}' is not part of the imported call flow` };
      if ((kind === 'menu' || kind === 'listen') && field === 'SpeechResult') return { path: `${id}.transcript` };
      if (kind === 'menu' && field === 'Digits') return { path: `${id}.digit` };
      if (kind === 'listen' && field === 'Confidence') return { path: `${id}.confidence` };
      if (kind === 'make-http-request') {
        if (field === 'status_code') return { path: `${id}.status` };
        const parsedField = field === 'body' ? '' : field.match(/^parsed\.([A-Za-z0-9_.-]+)$/)?.[1];
        if (parsedField !== undefined) {
          const mappings = httpMappings.get(widget) ?? [];
          let mapping = mappings.find((candidate) => candidate.path === parsedField);
          if (!mapping) {
            const variable = uniqueId(`${id}_${parsedField || 'body'}`.replace(/[^A-Za-z0-9_]/g, '_'), variableNames, VARIABLE_NAME, `answer${variableNames.size + 1}`, 64);
            mapping = { variable, path: parsedField };
            mappings.push(mapping);
            httpMappings.set(widget, mappings);
          }
          return { path: `flow.${mapping.variable}` };
        }
      }
      if (kind === 'record-voicemail' && (field === 'RecordingUrl' || field === 'RecordingSid')) return { path: `${id}.recordingId` };
      if (kind === 'set-variables' && VARIABLE_NAME.test(field)) return { path: `flow.${field}` };
      return { error: `'${field}' of widget '${widget}' (${states.get(widget)?.type}) has no counterpart` };
    }
    return { error: `'${path}' has no counterpart` };
  };

  /** Liquid text as a Switchboard template, or the reasons it cannot be one. */
  const liquid = (text: string): { text: string; errors: string[] } => {
    const errors: string[] = [];
    for (const tag of text.matchAll(/\{%-?\s*(\w+)/g)) errors.push(`the Liquid tag {% ${tag[1]} %} is not supported`);
    const converted = text.replace(/\{\{-?([^{}]*?)-?\}\}/g, (whole, inner: string) => {
      const [expression, ...filters] = inner.split('|').map((part) => part.trim());
      if (filters.length > 0) {
        errors.push(`the Liquid filter '${(filters[0] as string).split(/[\s:]/)[0]}' in ${whole.trim()} is not supported`);
        return whole;
      }
      const mapped = mapPath(expression as string);
      if ('error' in mapped) {
        errors.push(`${whole.trim()}: ${mapped.error}`);
        return whole;
      }
      return `{{${mapped.path}}}`;
    });
    return { text: converted, errors };
  };

  const nodes: FlowNodeInput[] = [];
  const edges: Array<{ from: string; exit: string; to: string }> = [];
  const layoutNodes: Record<string, { x: number; y: number }> = {};
  /** Targets still named by Studio widget (or '' = the call ends); resolved to node ids at the end. */
  const pending: Array<{ from: string; exit: string; widget: string | undefined }> = [];
  const route = (from: string, exit: string, widget: string | undefined) => pending.push({ from, exit, widget });
  let converted = 0;
  let placeholders = 0;

  const placeholderFor = (state: StudioState, id: string, reason: string) => {
    const exits: string[] = [];
    const exitNames = new Set<string>();
    for (const transition of state.transitions) {
      if (transition.event === 'match' && !transition.next) continue;
      const exit = uniqueId(transition.event === 'match' ? (transition.conditions?.[0]?.friendly_name ?? 'match') : transition.event, exitNames, EXIT_ID, `exit${exits.length + 1}`, 40);
      exits.push(exit);
      route(id, exit, transition.next ?? undefined);
    }
    const original = JSON.stringify({ name: state.name, type: state.type, properties: state.properties, transitions: state.transitions });
    nodes.push({
      id,
      type: 'placeholder',
      label: state.name.slice(0, 120),
      config: {
        source: 'Twilio Studio',
        original: state.name.slice(0, 200),
        originalType: state.type.slice(0, 100),
        reason: reason.slice(0, 1000),
        exits: exits.slice(0, 30),
        ...(original.length <= 20_000 ? { definition: original } : {}),
      },
    });
    placeholders++;
    report({ widget: state.name, widgetType: state.type, outcome: 'placeholder', nodeId: id, message: reason });
  };

  /** Converts every Liquid text of a widget, or makes the widget a placeholder naming what failed. */
  const texts = (state: StudioState, id: string, values: Record<string, string | undefined>): Record<string, string> | undefined => {
    const out: Record<string, string> = {};
    const errors: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const result = liquid(value);
      errors.push(...result.errors);
      out[key] = result.text;
    }
    if (errors.length > 0) {
      placeholderFor(state, id, `Liquid with no counterpart: ${[...new Set(errors)].join('; ')}`);
      return undefined;
    }
    return out;
  };

  const note = (state: StudioState, id: string, message: string) => report({ widget: state.name, widgetType: state.type, outcome: 'note', nodeId: id, message });

  for (const name of reached) {
    const state = states.get(name) as StudioState;
    const id = idOf.get(name) as string;
    const offset = state.properties.offset as { x?: unknown; y?: unknown } | undefined;
    const x = num(offset?.x);
    const y = num(offset?.y);
    if (mergedInto.has(name)) {
      report({ widget: name, widgetType: state.type, outcome: 'merged', nodeId: idOf.get(mergedInto.get(name) as string), message: mergeReasons.get(name) as string });
      continue;
    }
    if (x !== undefined && y !== undefined) layoutNodes[id] = { x: Math.round(x * STUDIO_LAYOUT_SCALE.x), y: Math.round(y * STUDIO_LAYOUT_SCALE.y) };
    const label = state.name.slice(0, 120);
    const props = state.properties;
    const before = nodes.length;
    const unsupported = UNSUPPORTED[state.type];
    if (unsupported) {
      placeholderFor(state, id, unsupported);
      continue;
    }
    switch (state.type) {
      case 'say-play': {
        if (str(props.play)) {
          placeholderFor(state, id, 'it plays audio from a URL: upload the file under a Play audio step instead');
          break;
        }
        if (str(props.digits)) {
          placeholderFor(state, id, 'it sends key tones (digits), which no step does');
          break;
        }
        const said = texts(state, id, { text: str(props.say) ?? '' });
        if (!said) break;
        const loop = num(props.loop) ?? 1;
        const text = loop > 1 ? Array.from({ length: Math.min(loop, 10) }, () => said.text).join(' ') : (said.text as string);
        nodes.push({ id, type: 'greet', label, config: { text: text.slice(0, 2000), ...languageOf(props) } });
        route(id, 'next', nextOf(state, 'audioComplete'));
        if (str(props.voice)) note(state, id, `The Studio voice '${str(props.voice)}' is not carried over: the number's voice speaks`);
        if (loop > 1) note(state, id, `Said ${Math.min(loop, 10)} times in one message (Studio loop ${loop})`);
        break;
      }
      case 'gather-input-on-call': {
        const plan = gatherPlans.get(name);
        if (!plan) {
          placeholderFor(state, id, gatherProblem(state, states));
          break;
        }
        if (str(props.play)) {
          placeholderFor(state, id, 'its prompt plays audio from a URL; a menu says text');
          break;
        }
        const asked = texts(state, id, { prompt: promptFrom.get(name) ?? str(props.say) ?? '' });
        if (!asked) break;
        const prompt = (asked.prompt as string).slice(0, 2000);
        const timeoutSeconds = num(props.timeout) ?? 5;
        if (!prompt.trim()) note(state, id, 'The gather says nothing itself (its prompt was probably a Say/Play before it): write the prompt on this step');
        if (plan.kind === 'listen') {
          const hints = (str(props.hints) ?? '').split(',').map((hint) => hint.trim()).filter((hint) => hint.length > 0 && hint.length <= 100).slice(0, 50);
          nodes.push({
            id,
            type: 'listen',
            label,
            config: { ...(prompt.trim() ? { prompt } : {}), noSpeechTimeoutMs: clamp(timeoutSeconds * 1000, 1000, 30_000), hints, ...languageOf(props, 'gather_language') },
          });
          route(id, 'heard', nextOf(state, 'speech'));
          route(id, 'noInput', nextOf(state, 'timeout'));
        } else {
          const split = states.get(plan.keySplit as string) as StudioState;
          const optionIds = new Set<string>(['noInput', 'noMatch']);
          const options: Array<{ id: string; digit: string; label: string; synonyms: string[] }> = [];
          const targetOf = new Map<string, string | undefined>();
          for (const transition of split.transitions) {
            if (transition.event !== 'match') continue;
            const condition = transition.conditions?.[0] as StudioCondition;
            for (const digit of conditionKeys(condition) ?? []) {
              if (options.some((option) => option.digit === digit)) continue;
              const friendly = condition.friendly_name?.trim() ?? '';
              const optionLabel = friendly && !/^if value /i.test(friendly) && friendly !== digit ? friendly.slice(0, 60) : `Key ${digit}`;
              const optionId = uniqueId(digit === '*' ? 'star' : digit === '#' ? 'pound' : `key${digit}`, optionIds, EXIT_ID, `key${options.length + 1}`, 40);
              options.push({ id: optionId, digit, label: optionLabel, synonyms: [] });
              targetOf.set(optionId, transition.next ?? undefined);
            }
          }
          let speech = false;
          if (plan.speechSplit) {
            const speechSplit = states.get(plan.speechSplit) as StudioState;
            for (const transition of speechSplit.transitions) {
              if (transition.event !== 'match') continue;
              const words = (transition.conditions ?? []).flatMap((condition) => spokenWords(condition) ?? []);
              const option = options.find((candidate) => targetOf.get(candidate.id) === (transition.next ?? undefined));
              if (option) {
                option.synonyms.push(...words.filter((word) => !option.synonyms.includes(word)).slice(0, 20 - option.synonyms.length));
                speech = true;
              } else if (words.length > 0) {
                note(state, id, `Saying “${words.join('”, “')}” led to '${transition.next ?? 'the end'}', where no key leads: not imported (add a key for it)`);
              }
            }
            const speechNoMatch = nextOf(speechSplit, 'noMatch');
            if (speechNoMatch !== nextOf(split, 'noMatch')) note(state, id, `Words that match nothing now go where a wrong key goes ('${nextOf(split, 'noMatch') ?? 'the end'}'), not to '${speechNoMatch ?? 'the end'}'`);
          } else if (nextOf(state, 'speech')) {
            note(state, id, `Speech answers went to '${nextOf(state, 'speech')}'; the menu listens for keys only`);
          }
          nodes.push({
            id,
            type: 'menu',
            label,
            config: { prompt, options, timeoutMs: clamp(timeoutSeconds * 1000, 1000, 60_000), retries: 0, speech },
          });
          for (const option of options) route(id, option.id, targetOf.get(option.id));
          route(id, 'noMatch', nextOf(split, 'noMatch'));
          route(id, 'noInput', nextOf(state, 'timeout'));
          if (!mergedInto.has(plan.keySplit as string)) {
            note(state, id, `The split '${plan.keySplit}' is also reached from other widgets, so it stays a Branch too`);
          }
        }
        break;
      }
      case 'split-based-on': {
        const conditions: Array<{ id: string; variable: string; operator: string; value: string }> = [];
        const conditionIds = new Set<string>(['else']);
        const problems: string[] = [];
        const input = str(props.input);
        for (const transition of state.transitions) {
          if (transition.event !== 'match') continue;
          if ((transition.conditions ?? []).length !== 1) {
            problems.push(`a match with ${(transition.conditions ?? []).length} conditions (only one per branch converts)`);
            continue;
          }
          const condition = transition.conditions?.[0] as StudioCondition;
          const operator = OPERATORS[condition.type];
          if (!operator) {
            problems.push(`the condition type '${condition.type}' has no counterpart`);
            continue;
          }
          const subject = singlePath(condition.arguments?.[0] ?? input);
          if (!subject) {
            problems.push(`'${condition.arguments?.[0] ?? input ?? ''}' is not a single variable`);
            continue;
          }
          const variable = mapPath(subject);
          if ('error' in variable) {
            problems.push(variable.error);
            continue;
          }
          const value = liquid(condition.value ?? '');
          if (value.errors.length > 0) {
            problems.push(...value.errors);
            continue;
          }
          let compared = value.text;
          if (condition.type === 'matches_any_of') compared = `^(?:${compared.split(',').map((part) => escapeRegex(part.trim())).join('|')})$`;
          if (condition.type === 'regex') compared = `^(?:${compared})$`;
          const conditionId = uniqueId(condition.friendly_name ?? condition.value ?? 'match', conditionIds, EXIT_ID, `match${conditions.length + 1}`, 40);
          conditions.push({ id: conditionId, variable: variable.path, operator, value: compared.slice(0, 500) });
          route(id, conditionId, transition.next ?? undefined);
        }
        if (problems.length > 0 || conditions.length === 0) {
          pending.splice(pending.length - conditions.length, conditions.length);
          placeholderFor(state, id, problems.length > 0 ? [...new Set(problems)].join('; ') : 'it has no conditions');
          break;
        }
        nodes.push({ id, type: 'branch', label, config: { conditions } });
        route(id, 'else', nextOf(state, 'noMatch'));
        break;
      }
      case 'set-variables': {
        const variables = Array.isArray(props.variables) ? (props.variables as Array<{ key?: unknown; value?: unknown }>) : [];
        const bad = variables.map((variable) => str(variable.key) ?? '').filter((key) => !VARIABLE_NAME.test(key));
        if (variables.length === 0 || bad.length > 0) {
          placeholderFor(state, id, variables.length === 0 ? 'it sets no variables' : `variable names Switchboard cannot use: ${bad.map((key) => `'${key}'`).join(', ')} (letters, digits and _, starting with a letter)`);
          break;
        }
        const values: Record<string, string> = {};
        variables.forEach((variable, index) => (values[String(index)] = str(variable.value) ?? ''));
        const set = texts(state, id, values);
        if (!set) break;
        const assignments = new Map<string, string>();
        variables.forEach((variable, index) => assignments.set(str(variable.key) as string, (set[String(index)] as string).slice(0, 2000)));
        nodes.push({ id, type: 'setVariable', label, config: { assignments: [...assignments].map(([key, value]) => ({ name: key, value })).slice(0, 20) } });
        route(id, 'next', nextOf(state, 'next'));
        break;
      }
      case 'make-http-request': {
        const method = (str(props.method) ?? 'GET').toUpperCase();
        const parameters = Array.isArray(props.parameters) ? (props.parameters as Array<{ key?: unknown; value?: unknown }>) : [];
        const contentType = (str(props.content_type) ?? 'application/x-www-form-urlencoded').toLowerCase();
        const json = contentType.startsWith('application/json');
        const query = parameters.map((parameter) => `${encodeURIComponent(str(parameter.key) ?? '')}=${str(parameter.value) ?? ''}`).join('&');
        let url = str(props.url) ?? '';
        let body = str(props.body);
        if (query && (method === 'GET' || json)) url += (url.includes('?') ? '&' : '?') + query;
        else if (query) body = body ? `${body}&${query}` : query;
        if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
          placeholderFor(state, id, `the method ${method} is not supported`);
          break;
        }
        const request = texts(state, id, { url, ...(body ? { body } : {}) });
        if (!request) break;
        nodes.push({
          id,
          type: 'httpRequest',
          label,
          config: {
            method,
            url: request.url,
            ...(request.body ? { body: request.body.slice(0, 20_000), headers: [{ name: 'Content-Type', value: json ? 'application/json' : 'application/x-www-form-urlencoded' }] } : {}),
            timeoutMs: 10_000,
            responseMappings: [],
          },
        });
        route(id, 'ok', nextOf(state, 'success'));
        route(id, 'failed', nextOf(state, 'failed'));
        if (props.add_twilio_auth === true || props.add_twilio_auth === 'true') note(state, id, 'Twilio credentials are not sent: add the header your service needs');
        if (query) note(state, id, 'Parameters were added to the address or body as written; values from variables are not URL-encoded');
        break;
      }
      case 'connect-call-to': {
        const noun = str(props.noun) ?? 'number';
        const to = (str(props.to) ?? '').trim();
        const asNumber = (text: string) => (/^\+?[1-9]\d{6,14}$/.test(text.replace(/[\s().-]/g, '')) ? `+${text.replace(/[^\d]/g, '')}` : undefined);
        // number-multi: Studio rings up to ten numbers at once; a Transfer tries them one after another.
        const written = noun === 'number-multi' ? to.split(',').map((part) => part.trim()).filter(Boolean) : [to];
        const targets = written.map((text) => (noun === 'sip' ? (TRANSFER_TARGET.test(text) ? text : undefined) : noun === 'number' || noun === 'number-multi' ? asNumber(text) : undefined));
        if (written.length === 0 || written.length > MAX_TRANSFER_TARGETS || targets.some((target) => target === undefined)) {
          placeholderFor(
            state,
            id,
            noun === 'number' || noun === 'sip' || noun === 'number-multi'
              ? `the destination '${to.slice(0, 100)}' is not ${noun === 'number-multi' ? `a list of at most ${MAX_TRANSFER_TARGETS} fixed international numbers` : 'a fixed international number or SIP address'} (a Transfer's destination cannot come from a variable)`
              : `connecting to a ${noun} has no counterpart; a Transfer calls numbers or SIP addresses`,
          );
          break;
        }
        nodes.push({ id, type: 'transfer', typeVersion: transfer.version, label, config: { targets: targets as string[] } });
        const after = nextOf(state, 'callCompleted');
        route(id, 'failed', after);
        if (noun === 'number-multi' && targets.length > 1) note(state, id, 'Studio rang these numbers at once; the Transfer tries them one after another');
        targets.forEach((target, index) => {
          if (target !== written[index]) note(state, id, `The number '${written[index]}' is written as ${target}`);
        });
        if (after) note(state, id, `After a successful transfer the flow ends; Studio went on to '${after}' when the connected call ended (that path is kept for failed transfers)`);
        break;
      }
      case 'record-voicemail': {
        const finishKey = str(props.finish_on_key)?.trim().slice(0, 1);
        const seconds = num(props.max_length) ?? 3600;
        nodes.push({
          id,
          type: 'recordVoicemail',
          label,
          config: {
            beep: str(props.play_beep) !== 'false' && props.play_beep !== false,
            maxDurationMs: clamp(seconds * 1000, 1000, 600_000),
            ...(finishKey && (DTMF_KEYS as readonly string[]).includes(finishKey) ? { finishKey } : {}),
            silenceTimeoutMs: clamp((num(props.timeout) ?? 5) * 1000, 1000, 30_000),
          },
        });
        route(id, 'recorded', nextOf(state, 'recordingComplete'));
        route(id, 'noAudio', nextOf(state, 'noAudio'));
        note(state, id, 'Switchboard says “Please leave a message after the tone.” before the beep (Studio said nothing): change or shorten it on the step');
        if (seconds > 600) note(state, id, `Messages are cut at 10 minutes (Studio allowed ${Math.round(seconds / 60)})`);
        if (props.transcribe === true || props.transcribe === 'true') note(state, id, 'Transcription of the message is not carried over');
        break;
      }
      default:
        placeholderFor(state, id, `the widget type '${state.type}' is not known to the importer`);
    }
    if (nodes.length > before && nodes[nodes.length - 1]?.type !== 'placeholder') {
      converted++;
      report({ widget: name, widgetType: state.type, outcome: 'converted', nodeId: id, message: `Became a ${stepLabel(nodes[nodes.length - 1]?.type as string)} step` });
    }
  }

  // HTTP answers other steps read: each read field is stored in a flow variable.
  for (const [widget, mappings] of httpMappings) {
    const node = nodes.find((candidate) => candidate.id === idOf.get(widget) && candidate.type === 'httpRequest');
    if (node) (node.config as { responseMappings: unknown[] }).responseMappings = mappings.slice(0, 20);
  }

  // Routing: Studio widgets → node ids; a transition that leads nowhere ends the call there.
  let endId: string | undefined;
  const endNode = () => (endId ??= uniqueId('end', taken, NODE_ID, 'end_call', 64));
  for (const { from, exit, widget } of pending) {
    const target = widget && reached.has(widget) ? idOf.get(mergedInto.get(widget) ?? widget) : undefined;
    edges.push({ from, exit, to: target ?? endNode() });
  }
  if (endId) {
    nodes.push({ id: endId, type: 'hangup', label: 'End of flow', config: {} });
    const lowest = Object.values(layoutNodes).reduce((max, point) => Math.max(max, point.y), 0);
    layoutNodes[endId] = { x: 0, y: lowest + 250 };
  }

  return {
    name,
    graph: { start: idOf.get(mergedInto.get(firstWidget) ?? firstWidget) as string, nodes, edges },
    layout: { nodes: layoutNodes },
    report: { widgets: definition.states.length, converted, placeholders, skipped: lines.filter((line) => line.outcome === 'skipped').length, lines },
  };
}

const STEP_LABELS: Record<string, string> = {
  greet: 'Say message',
  menu: 'Menu',
  listen: 'Listen',
  branch: 'Branch',
  setVariable: 'Set variable',
  httpRequest: 'HTTP request',
  transfer: 'Transfer',
  recordVoicemail: 'Record voicemail',
};
const stepLabel = (type: string) => STEP_LABELS[type] ?? type;

function languageOf(props: Record<string, unknown>, key = 'language'): { language?: string } {
  const language = str(props[key]);
  return language && language.length >= 2 && language.length <= 35 ? { language } : {};
}

/** The single keys a condition picks (equal_to 1, matches_any_of "1, 2"), or undefined when it is anything else. */
function conditionKeys(condition: StudioCondition | undefined): string[] | undefined {
  if (!condition) return undefined;
  const value = (condition.value ?? '').trim();
  const values = condition.type === 'equal_to' ? [value] : condition.type === 'matches_any_of' ? value.split(',').map((part) => part.trim()) : undefined;
  if (!values || values.some((key) => !(DTMF_KEYS as readonly string[]).includes(key))) return undefined;
  return values;
}

/** The words a speech condition listens for (contains / equal_to / matches_any_of), or undefined. */
function spokenWords(condition: StudioCondition): string[] | undefined {
  const value = (condition.value ?? '').trim();
  if (condition.type === 'contains' || condition.type === 'equal_to' || condition.type === 'starts_with') return value && value.length <= 60 && !value.includes('{{') ? [value] : undefined;
  if (condition.type === 'matches_any_of') return value.split(',').map((part) => part.trim()).filter((part) => part && part.length <= 60);
  return undefined;
}

/** Whether a split tests exactly `{{widgets.<gather>.<field>}}` in every condition. */
function splitTests(split: StudioState, gather: string, field: string): boolean {
  const expected = `widgets.${gather}.${field}`;
  const matches = split.transitions.filter((transition) => transition.event === 'match');
  return (
    matches.length > 0 &&
    matches.every((transition) => (transition.conditions ?? []).length === 1 && singlePath(transition.conditions?.[0]?.arguments?.[0] ?? str(split.properties.input)) === expected)
  );
}

/** How a gather converts: a menu (keypress → split on its Digits, single keys), a listen (speech only), or not at all. */
function planGather(state: StudioState, states: Map<string, StudioState>): GatherPlan | undefined {
  const keypress = nextOf(state, 'keypress');
  const speech = nextOf(state, 'speech');
  if (keypress) {
    const split = states.get(keypress);
    if (!split || split.type !== 'split-based-on' || !splitTests(split, state.name, 'Digits')) return undefined;
    const keysOnly = split.transitions.filter((transition) => transition.event === 'match').every((transition) => conditionKeys(transition.conditions?.[0]) !== undefined);
    if (!keysOnly) return undefined;
    const speechSplit = speech ? states.get(speech) : undefined;
    return {
      kind: 'menu',
      keySplit: keypress,
      ...(speechSplit && speechSplit.type === 'split-based-on' && speechSplit.name !== keypress && splitTests(speechSplit, state.name, 'SpeechResult') ? { speechSplit: speechSplit.name } : {}),
    };
  }
  if (speech) return { kind: 'listen' };
  return undefined;
}

/** Why a gather could not be converted (for the report and the placeholder). */
function gatherProblem(state: StudioState, states: Map<string, StudioState>): string {
  const keypress = nextOf(state, 'keypress');
  if (!keypress && !nextOf(state, 'speech')) return 'neither its keypress nor its speech transition leads anywhere';
  const split = keypress ? states.get(keypress) : undefined;
  if (!split || split.type !== 'split-based-on') {
    return 'it collects an entry of keys (an account number, a PIN) used by a later widget; Switchboard menus take one key per choice, and no step collects several keys yet';
  }
  return `its keys go to the split '${keypress}', whose conditions are not single keys (equal to 1, 2, *, #…) on this gather's Digits; only such choices become a menu`;
}
