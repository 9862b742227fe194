import { z } from 'zod';
import { defineNodeType } from '../define';
import { endOnFinishedSentence, endSilence, exitId, httpHeaders, httpMethod, httpUrl, languageTag, ms, sttProvider, ttsProvider, uniqueBy, variableName, voiceName } from './shared';

/** Exits every AI agent step has besides its outcomes. */
export const AI_AGENT_FIXED_EXITS = ['noInput', 'maxTurns', 'error'] as const;

/** Types of a field the agent collects, and how each value is checked before the step leaves. */
export const AGENT_FIELD_TYPES = ['text', 'number', 'date', 'yesNo', 'oneOf'] as const;
export type AgentFieldType = (typeof AGENT_FIELD_TYPES)[number];

/** Workspace connections (Connections page, sealed like every provider secret) that may hold a model's API key. */
export const AGENT_CREDENTIALS = ['llm', 'openai'] as const;

/** The model endpoint's base URL (the example names OpenAI's). */
const endpointUrl = z
  .string()
  .trim()
  .max(500)
  .regex(/^https?:\/\/\S+$/i, 'Use an http:// or https:// address, e.g. https://api.openai.com/v1');

const modelName = z.string().trim().min(1, 'Name the model, e.g. gpt-4o-mini').max(200);

/** Where the model runs: any OpenAI-compatible chat-completions endpoint. */
const modelConnection = z.object({
  /** API root including `/v1`; empty: the media worker's LLM_BASE_URL. */
  baseUrl: endpointUrl.optional(),
  model: modelName,
  /** Which stored connection holds the key; without one stored, the worker's LLM_API_KEY applies. */
  credential: z.enum(AGENT_CREDENTIALS, { message: `The key comes from one of the connections ${AGENT_CREDENTIALS.join(', ')}` }).default('llm'),
});

const agentOutcome = z.object({
  /** Also the name of the exit the step leaves by. */
  id: exitId,
  /** Told to the model: when to end with this outcome. */
  description: z.string().trim().min(1, 'Say when the agent should end with this outcome').max(300),
  /** The agent may only end with this outcome once every required field is collected. */
  requiresFields: z.boolean().default(true),
});

const agentField = z.object({
  /** Stored as `flow.<name>`. */
  name: variableName,
  type: z.enum(AGENT_FIELD_TYPES, { message: `A field's type is one of ${AGENT_FIELD_TYPES.join(', ')}` }).default('text'),
  /** Told to the model: what to ask for. */
  description: z.string().trim().max(300).default(''),
  /** The accepted values of a `oneOf` field. */
  choices: z.array(z.string().trim().min(1).max(60)).max(30).default([]),
  /** The step may not end with an outcome while a required field is missing. */
  required: z.boolean().default(true),
});
export type AgentField = z.output<typeof agentField>;

/** Names of the step's own tools: an HTTP tool may not take them. */
export const AGENT_BUILT_IN_TOOLS = ['set_field', 'finish'] as const;

/**
 * A web service the agent may call: the model chooses when, with arguments that match `parameters`
 * (a JSON schema object). GET and DELETE send the arguments as query parameters, the others as a
 * JSON body; the answer (at most 2000 characters) goes back to the model. The HTTP request step's
 * network guard applies.
 */
const agentHttpTool = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'Tool names start with a letter and use letters, digits or _'),
  /** Told to the model: what the tool does and when to use it. */
  description: z.string().trim().min(1, 'Tell the agent what the tool does').max(500),
  /** JSON schema of the arguments, e.g. `{"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]}`. */
  parameters: z
    .record(z.string(), z.unknown())
    .default({ type: 'object', properties: {} })
    .refine((schema) => schema.type === 'object' && (schema.properties === undefined || (typeof schema.properties === 'object' && schema.properties !== null && !Array.isArray(schema.properties))), {
      message: 'Parameters are a JSON schema of type object, e.g. {"type": "object", "properties": {"day": {"type": "string"}}}',
    }),
  method: httpMethod.default('POST'),
  url: httpUrl,
  headers: httpHeaders,
  timeoutMs: ms(500, 30_000, 5000),
});
export type AgentHttpTool = z.output<typeof agentHttpTool>;

export const aiAgent = defineNodeType({
  type: 'aiAgent',
  version: 1,
  label: 'AI agent',
  category: 'input',
  help: 'A spoken conversation with a language model: it follows the instructions, collects the fields into flow variables and ends with one of the outcomes (each an exit). Leaves by noInput, maxTurns (a turn or time limit) or error (the model could not be reached) otherwise.',
  config: z
    .object({
      /** What the agent is for and how it behaves (a template: `{{flow.name}}` is filled in). */
      instructions: z.string().trim().min(1, 'Tell the agent what to do').max(8000, 'Keep the instructions under 8000 characters'),
      /** Said first, before the caller speaks (a template); empty: the model speaks first. */
      greeting: z.string().trim().max(500).optional(),
      connection: modelConnection,
      /** Tried when the main connection fails (after its retries). */
      fallback: modelConnection.optional(),
      temperature: z.number().min(0).max(2).default(0.3),
      /** Caller turns before the step leaves by maxTurns. */
      maxTurns: z.number().int().min(1).max(50).default(10),
      /** The whole conversation, from its start; past it the step leaves by maxTurns. */
      maxDurationMs: ms(10_000, 30 * 60_000, 5 * 60_000),
      /** Longest answer of the model per turn, in tokens. */
      maxTokensPerTurn: z.number().int().min(16).max(4000).default(300),
      /** One model call (including its streamed answer) fails after this long, then is retried. */
      timeoutMs: ms(1000, 60_000, 15_000),
      outcomes: z.array(agentOutcome).min(1, 'Add at least one outcome the agent may end with').max(12),
      fields: z.array(agentField).max(20).default([]),
      /** Web services the agent may call during the conversation. */
      tools: z.array(agentHttpTool).max(10).default([]),
      /** How long to wait for the caller to start speaking each turn. */
      noSpeechTimeoutMs: ms(1000, 30_000, 6000),
      /** Silence that ends the caller's turn. */
      endSilenceMs: endSilence(800),
      /** End the turn at a short pause after a finished-sounding sentence. */
      endOnFinishedSentence,
      /** Silent turns in a row before the step leaves by noInput. */
      noInputRetries: z.number().int().min(0).max(5).default(1),
      voice: voiceName.optional(),
      language: languageTag.optional(),
      ttsProvider: ttsProvider.optional(),
      sttProvider: sttProvider.optional(),
    })
    .superRefine((config, ctx) => {
      uniqueBy(config.outcomes, (outcome) => outcome.id, 'id', 'outcomes', ctx, (id) => `Outcome '${id}' is already listed`);
      uniqueBy(config.fields, (field) => field.name, 'name', 'fields', ctx, (name) => `Field '${name}' is already listed`);
      config.outcomes.forEach((outcome, index) => {
        if ((AI_AGENT_FIXED_EXITS as readonly string[]).includes(outcome.id)) {
          ctx.addIssue({ code: 'custom', path: ['outcomes', index, 'id'], message: `Outcome '${outcome.id}' is reserved: the step has that exit already` });
        }
      });
      uniqueBy(config.tools, (tool) => tool.name, 'name', 'tools', ctx, (name) => `Tool '${name}' is already listed`);
      config.tools.forEach((tool, index) => {
        if ((AGENT_BUILT_IN_TOOLS as readonly string[]).includes(tool.name)) {
          ctx.addIssue({ code: 'custom', path: ['tools', index, 'name'], message: `Tool name '${tool.name}' is the step's own` });
        }
      });
      config.fields.forEach((field, index) => {
        if (field.type === 'oneOf' && field.choices.length < 2) {
          ctx.addIssue({ code: 'custom', path: ['fields', index, 'choices'], message: `List at least two choices for the one-of field '${field.name}'` });
        }
        if (field.type !== 'oneOf' && field.choices.length > 0) {
          ctx.addIssue({ code: 'custom', path: ['fields', index, 'choices'], message: `Choices only apply to one-of fields; '${field.name}' is ${field.type}` });
        }
      });
    }),
  exits: (config) => [...config.outcomes.map((outcome) => outcome.id), ...AI_AGENT_FIXED_EXITS],
  outputs: ['outcome', 'turns', 'error'],
  sets: (config) => config.fields.map((field) => field.name),
  templates: (config) => [
    { field: 'instructions', template: config.instructions },
    ...(config.greeting ? [{ field: 'greeting', template: config.greeting, spoken: true }] : []),
    ...(config.tools ?? []).flatMap((tool, index) => [
      { field: `tools.${index}.url`, template: tool.url },
      ...tool.headers.map((header, headerIndex) => ({ field: `tools.${index}.headers.${headerIndex}.value`, template: header.value })),
    ]),
  ],
  waitsForCaller: true,
  terminal: false,
});

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YES = ['yes', 'y', 'true', 'yeah', 'yep', 'correct'];
const NO = ['no', 'n', 'false', 'nope'];

/**
 * Checks a value the model gave for a field against the field's type: the stored form (a number
 * as digits, a date as YYYY-MM-DD, yes/no as `yes` or `no`, a choice as listed), or why not.
 * Messages name the field and the expected form, never the value (it may be personal data).
 */
export function checkAgentField(field: Pick<AgentField, 'name' | 'type' | 'choices'>, raw: unknown): { ok: true; value: string } | { ok: false; message: string } {
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
  if (text === '') return { ok: false, message: `Field '${field.name}' needs a value` };
  switch (field.type) {
    case 'text':
      return text.length <= 500 ? { ok: true, value: text } : { ok: false, message: `Field '${field.name}' is longer than 500 characters` };
    case 'number': {
      const number = Number(text.replace(/,/g, ''));
      return Number.isFinite(number) ? { ok: true, value: String(number) } : { ok: false, message: `Field '${field.name}' must be a number` };
    }
    case 'date': {
      const match = ISO_DATE.exec(text);
      const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
      const valid = match && date && date.getUTCFullYear() === Number(match[1]) && date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
      return valid ? { ok: true, value: text } : { ok: false, message: `Field '${field.name}' must be a date written YYYY-MM-DD` };
    }
    case 'yesNo': {
      const lower = text.toLowerCase();
      if (YES.includes(lower)) return { ok: true, value: 'yes' };
      if (NO.includes(lower)) return { ok: true, value: 'no' };
      return { ok: false, message: `Field '${field.name}' must be yes or no` };
    }
    case 'oneOf': {
      const choice = field.choices.find((candidate) => candidate.toLowerCase() === text.toLowerCase());
      return choice ? { ok: true, value: choice } : { ok: false, message: `Field '${field.name}' must be one of: ${field.choices.join(', ')}` };
    }
  }
}
