/**
 * The AI agent step: a spoken conversation with a language model, one durable turn at a time.
 * The conversation (instructions, what the caller said, what the caller heard of each answer, tool
 * calls and their results) and the fields collected so far are workflow state; each caller turn is
 * a `listen` activity and each answer an `agentReply` activity on the call's media worker, so a
 * worker lost mid-conversation costs at most the answer it was speaking. Workflow code:
 * deterministic, no I/O.
 */
import { checkAgentField, type RunnableNode } from '@switchboard/flow-model';
import type { AgentModelConnection, AgentReplyInput, AgentReplyResult } from '../activities/media/contract';
import type { ChatMessage, ChatTool, ChatToolCall } from '../activities/agent/chat-model';
import { nodeProviders, render, type NodeContext } from './node-context';

type AgentNode = Extract<RunnableNode, { type: 'aiAgent' }>;
type AgentConfig = AgentNode['config'];

/** Tool the model saves a field with. */
export const SET_FIELD_TOOL = 'set_field';
/** Tool the model ends the conversation with. */
export const FINISH_TOOL = 'finish';
/** Model answers in a row within one turn (answers that only call tools lead to another). */
const MAX_ROUNDS_PER_TURN = 4;
/** Longest caller utterance in one turn. */
const MAX_UTTERANCE_MS = 30_000;

const FIELD_FORMS: Record<AgentConfig['fields'][number]['type'], string> = {
  text: 'text',
  number: 'a number',
  date: 'a date written YYYY-MM-DD',
  yesNo: 'yes or no',
  oneOf: 'one of',
};

/**
 * The step's HTTP tools. Graphs are stored as parsed when published (defaults filled in then), so a
 * step published before a setting existed lacks it: read later settings with their default.
 */
const httpToolsOf = (config: AgentConfig): AgentConfig['tools'] => config.tools ?? [];

/** The tools the model gets: `set_field` (when there are fields) and `finish`. */
export function agentTools(config: AgentConfig): ChatTool[] {
  const tools: ChatTool[] = [];
  if (config.fields.length > 0) {
    tools.push({
      name: SET_FIELD_TOOL,
      description: 'Saves one field as soon as the caller has given it. Call it again to correct a field.',
      parameters: {
        type: 'object',
        properties: {
          name: { type: 'string', enum: config.fields.map((field) => field.name), description: 'Which field' },
          value: { type: 'string', description: 'The value, in the form the field asks for' },
        },
        required: ['name', 'value'],
        additionalProperties: false,
      },
    });
  }
  for (const tool of httpToolsOf(config)) tools.push({ name: tool.name, description: tool.description, parameters: tool.parameters });
  tools.push({
    name: FINISH_TOOL,
    description: 'Ends the conversation with one of the outcomes. Say your last sentence before calling it.',
    parameters: {
      type: 'object',
      properties: { outcome: { type: 'string', enum: config.outcomes.map((outcome) => outcome.id), description: 'How the conversation ended' } },
      required: ['outcome'],
      additionalProperties: false,
    },
  });
  return tools;
}

/** The system message: the builder's instructions, then how to talk and what the tools are for. */
export function agentSystemPrompt(instructions: string, config: AgentConfig, today: string): string {
  const fields = config.fields.map((field) => {
    const form = field.type === 'oneOf' ? `one of ${field.choices.join(', ')}` : FIELD_FORMS[field.type];
    return `- ${field.name} (${form}${field.required ? '' : ', optional'})${field.description ? `: ${field.description}` : ''}`;
  });
  const outcomes = config.outcomes.map((outcome) => `- ${outcome.id}: ${outcome.description}`);
  return [
    instructions,
    '',
    `You are on a phone call; today is ${today}. Everything you write is spoken to the caller: answer in one to three short sentences, without lists, markdown or emoji.`,
    ...(fields.length ? ['', `Fields to collect; save each with ${SET_FIELD_TOOL} as soon as you know it:`, ...fields] : []),
    '',
    `When the conversation is over, call ${FINISH_TOOL} with one of these outcomes:`,
    ...outcomes,
  ].join('\n');
}

/** Arguments of a tool call as an object; `undefined` when the model wrote no JSON object. */
function parseArguments(call: ChatToolCall): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(call.arguments || '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the step: returns the exit it leaves by. */
export async function runAgent(node: AgentNode, ctx: NodeContext): Promise<string> {
  const config = node.config;
  const startedAt = Date.now();
  const instructions = render(ctx, node.id, 'instructions', config.instructions);
  const greeting = config.greeting ? render(ctx, node.id, 'greeting', config.greeting) : undefined;

  // Keys of the step's connections, sealed: only the media worker opens them.
  const connectionSettings = [config.connection, ...(config.fallback ? [config.fallback] : [])];
  const wanted = [...new Set(connectionSettings.map((connection) => connection.credential))];
  const sealed = ctx.loadAgentCredentials && ctx.workspaceId ? await ctx.loadAgentCredentials({ workspaceId: ctx.workspaceId, credentials: wanted }) : {};
  const connections: AgentModelConnection[] = connectionSettings.map((connection) => ({
    model: connection.model,
    credential: connection.credential,
    ...(connection.baseUrl ? { baseUrl: connection.baseUrl } : {}),
    ...(sealed[connection.credential] ? { sealedKey: sealed[connection.credential] } : {}),
  }));

  const tools = agentTools(config);
  const messages: ChatMessage[] = [{ role: 'system', content: agentSystemPrompt(instructions, config, new Date().toISOString().slice(0, 10)) }];
  const fields = new Map<string, string>();
  let turns = 0;
  let silentTurns = 0;
  const providers = nodeProviders(config);
  const voice = { ...(config.voice ? { voice: config.voice } : {}), ...(config.language ? { language: config.language } : {}) };

  const finishWith = (exit: string): string => {
    ctx.vars[`${node.id}.outcome`] = exit;
    ctx.vars[`${node.id}.turns`] = String(turns);
    return exit;
  };
  const failWith = (reason: string): string => {
    ctx.vars[`${node.id}.error`] = reason;
    ctx.emit('agentFailed', node.id, { reason, turn: turns });
    ctx.flush();
    return finishWith('error');
  };

  /** Calls one of the builder's HTTP tools (its own activity, the HTTP request step's network guard); returns what the model is told. */
  const callHttpTool = async (tool: AgentConfig['tools'][number], index: number, args: Record<string, unknown>): Promise<string> => {
    const query = tool.method === 'GET' || tool.method === 'DELETE';
    const url = render(ctx, node.id, `tools.${index}.url`, tool.url);
    const search = Object.entries(args)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`)
      .join('&');
    const result = await ctx.http.executeWithOptions({ summary: `AI agent tool · ${tool.name}` }, [
      {
        method: tool.method,
        url: query && search ? `${url}${url.includes('?') ? '&' : '?'}${search}` : url,
        headers: [
          ...tool.headers.map((header, headerIndex) => ({ name: header.name, value: render(ctx, node.id, `tools.${index}.headers.${headerIndex}.value`, header.value) })),
          ...(query ? [] : [{ name: 'Content-Type', value: 'application/json' }]),
        ],
        ...(query ? {} : { body: JSON.stringify(args) }),
        timeoutMs: tool.timeoutMs,
        responseMappings: [{ variable: 'answer', path: '' }],
        allowPrivateNetwork: ctx.allowPrivateNetwork,
      },
    ]);
    ctx.emit('agentToolCall', node.id, { tool: tool.name, ok: result.ok, status: result.status, ...(result.ok ? {} : { message: result.error }), turn: turns });
    return result.ok ? `HTTP ${result.status}: ${result.values.answer ?? ''}` : `Error: ${result.error}`;
  };

  /**
   * Handles the answer's tool calls (HTTP tools already answered, in `httpAnswers`); returns the
   * outcome when the model finished the step. Synchronous: an answer without HTTP tool calls
   * schedules exactly what it did before HTTP tools existed, so recorded histories replay.
   */
  const runTools = (calls: ChatToolCall[], httpAnswers: Map<string, string>): string | undefined => {
    let outcome: string | undefined;
    for (const call of calls) {
      const args = parseArguments(call);
      const httpAnswer = httpAnswers.get(call.id);
      let result: string;
      if (httpAnswer !== undefined) {
        result = httpAnswer;
      } else if (!args) {
        result = 'Error: the arguments were not a JSON object.';
      } else if (call.name === SET_FIELD_TOOL) {
        const field = config.fields.find((candidate) => candidate.name === args.name);
        const checked = field ? checkAgentField(field, args.value) : { ok: false as const, message: `There is no field '${String(args.name)}'` };
        if (checked.ok && field) {
          fields.set(field.name, checked.value);
          ctx.vars[`flow.${field.name}`] = checked.value;
          result = `Saved ${field.name}.`;
        } else {
          result = `Error: ${checked.ok ? 'unknown field' : checked.message}. Ask the caller again.`;
        }
        ctx.emit('agentToolCall', node.id, { tool: call.name, ...(field ? { field: field.name } : {}), ok: checked.ok, ...(checked.ok ? {} : { message: checked.message }), turn: turns });
      } else if (call.name === FINISH_TOOL) {
        const chosen = config.outcomes.find((candidate) => candidate.id === args.outcome);
        const missing = config.fields.filter((field) => field.required && !fields.has(field.name)).map((field) => field.name);
        if (!chosen) {
          result = `Error: the outcome must be one of ${config.outcomes.map((candidate) => candidate.id).join(', ')}.`;
        } else if (chosen.requiresFields && missing.length > 0) {
          result = `Error: these fields are still missing: ${missing.join(', ')}. Ask for them first.`;
        } else {
          outcome = chosen.id;
          result = 'Done.';
        }
        ctx.emit('agentToolCall', node.id, { tool: call.name, ok: outcome !== undefined, ...(chosen ? { outcome: chosen.id } : {}), ...(outcome === undefined ? { message: result } : {}), turn: turns });
      } else {
        result = `Error: there is no tool '${call.name}'.`;
        ctx.emit('agentToolCall', node.id, { tool: call.name, ok: false, message: 'unknown tool', turn: turns });
      }
      messages.push({ role: 'tool', toolCallId: call.id, content: result });
    }
    return outcome;
  };

  /** The input of the model's next answer, with the conversation so far. */
  const replyInput = (): AgentReplyInput => ({
    callId: ctx.callId,
    nodeId: node.id,
    workspaceId: ctx.workspaceId ?? '',
    messages: [...messages],
    tools,
    temperature: config.temperature,
    maxTokens: config.maxTokensPerTurn,
    timeoutMs: config.timeoutMs,
    connections,
    ...voice,
    ...(config.ttsProvider ? { ttsProvider: config.ttsProvider } : {}),
  });

  /** The model answers (and answers again after tool results); returns an exit when the step ends. */
  const reply = async (): Promise<string | undefined> => {
    for (let round = 0; round < MAX_ROUNDS_PER_TURN; round++) {
      const result: AgentReplyResult = await ctx.onMedia(node, (options) => ctx.media.agentReply.executeWithOptions(options, [replyInput()]));
      if (result.heard) {
        ctx.emit('promptPlayed', node.id, {
          text: result.heard,
          agent: true,
          turn: turns,
          playedMs: result.playedMs,
          interrupted: result.interrupted,
          ...(result.firstAudioMs !== undefined ? { firstAudioMs: result.firstAudioMs } : {}),
          ...(result.askedEarlyMs !== undefined ? { askedEarlyMs: result.askedEarlyMs } : {}),
        });
      }
      if (result.error) return failWith(result.error);
      messages.push({ role: 'assistant', content: result.heard, ...(result.toolCalls.length ? { toolCalls: result.toolCalls } : {}) });
      // HTTP tools first, each its own activity, in the order the model called them.
      const httpAnswers = new Map<string, string>();
      for (const call of result.toolCalls) {
        const index = httpToolsOf(config).findIndex((tool) => tool.name === call.name);
        const args = index >= 0 ? parseArguments(call) : undefined;
        if (args) httpAnswers.set(call.id, await callHttpTool(httpToolsOf(config)[index] as AgentConfig['tools'][number], index, args));
      }
      const outcome = runTools(result.toolCalls, httpAnswers);
      ctx.flush();
      if (outcome) {
        ctx.emit('agentOutcome', node.id, { outcome, turns, fields: [...fields.keys()] });
        return finishWith(outcome);
      }
      // Only tool calls and nothing said: the model answers again with the results.
      if (result.toolCalls.length === 0 || result.heard || result.interrupted) return undefined;
    }
    return undefined;
  };

  // The model speaks first when there is no greeting.
  if (greeting) messages.push({ role: 'assistant', content: greeting });
  else {
    const exit = await reply();
    if (exit) return exit;
  }
  let prompt = greeting;
  for (;;) {
    if (turns >= config.maxTurns || Date.now() - startedAt >= config.maxDurationMs) {
      ctx.emit('agentOutcome', node.id, { outcome: 'maxTurns', turns, fields: [...fields.keys()], limit: turns >= config.maxTurns ? 'turns' : 'duration' });
      return finishWith('maxTurns');
    }
    const heard = await ctx.onMedia(node, (options) =>
      ctx.media.listen.executeWithOptions(options, [
        {
          callId: ctx.callId,
          nodeId: node.id,
          ...(prompt ? { prompt } : {}),
          noSpeechTimeoutMs: config.noSpeechTimeoutMs,
          endSilenceMs: config.endSilenceMs,
          ...(config.endOnFinishedSentence === false ? { endOnFinishedSentence: false } : {}),
          maxDurationMs: MAX_UTTERANCE_MS,
          hints: config.fields.flatMap((field) => field.choices),
          ...(config.language ? { language: config.language } : {}),
          ...(ctx.redactTranscripts ? { redact: true } : {}),
          ...providers,
          // The answer to the caller's words may be asked for as soon as the worker has them.
          answerEarly: replyInput(),
        },
      ]),
    );
    if (prompt) ctx.emit('promptPlayed', node.id, { text: prompt, agent: true, turn: 0 });
    prompt = undefined;
    const transcript = heard.transcript?.trim() ?? '';
    if (transcript === '') {
      ctx.emit('noInput', node.id, { attempt: silentTurns });
      if (++silentTurns > config.noInputRetries) {
        ctx.flush();
        return finishWith('noInput');
      }
      messages.push({ role: 'user', content: '(The caller said nothing.)' });
    } else {
      silentTurns = 0;
      turns++;
      ctx.emit('callerSaid', node.id, { transcript, confidence: heard.confidence, turn: turns });
      messages.push({ role: 'user', content: transcript });
    }
    ctx.flush();
    const exit = await reply();
    if (exit) return exit;
  }
}
