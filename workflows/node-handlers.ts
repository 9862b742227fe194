/**
 * What each node type does in a call: one handler per type, returning the exit the node left by
 * (undefined ends the call). Typed `Record<NodeType, …>`, so a new node type without a handler
 * does not compile. Workflow code: deterministic, no I/O.
 */
import { ActivityFailure, patched } from '@temporalio/workflow';
import {
  isOpenAt,
  matchSpokenOption,
  nodeTypes,
  optionPhrases,
  testCondition,
  type NodeType,
  type RunnableNode,
} from '@switchboard/flow-model';
import { runAgent } from './ai-agent';
import { CallEnded, nodeProviders, render, type NodeContext } from './node-context';

export { CallEnded, type NodeContext };

type Handler<T extends NodeType> = (node: Extract<RunnableNode, { type: T }>, ctx: NodeContext) => Promise<string | undefined>;

const summaryOptions = (node: RunnableNode) => ({ summary: `${nodeTypes[node.type].label} · ${node.label ?? node.id}` });

const providersOf = nodeProviders;

/** Reads a dotted path from the flow's variables for a branch. */
const valueOf = (ctx: NodeContext, path: string) => ctx.vars[path] ?? '';

export const handlers: { [T in NodeType]: Handler<T> } = {
  greet: async (node, ctx) => {
    const text = render(ctx, node.id, 'text', node.config.text);
    const result = await ctx.onMedia(node, (options) =>
      ctx.media.say.executeWithOptions(options, [
        {
          callId: ctx.callId,
          nodeId: node.id,
          text,
          interruptible: node.config.interruptible,
          ...(node.config.voice ? { voice: node.config.voice } : {}),
          ...(node.config.language ? { language: node.config.language } : {}),
          ...providersOf(node.config),
        },
      ]),
    );
    ctx.emit('promptPlayed', node.id, { playedMs: result.playedMs, interrupted: result.interrupted, text });
    return 'next';
  },

  play: async (node, ctx) => {
    const result = await ctx.onMedia(node, (options) =>
      ctx.media.play.executeWithOptions(options, [
        { callId: ctx.callId, nodeId: node.id, assetId: node.config.assetId, interruptible: node.config.interruptible },
      ]),
    );
    ctx.emit('promptPlayed', node.id, { playedMs: result.playedMs, interrupted: result.interrupted, assetId: node.config.assetId });
    return 'next';
  },

  listen: async (node, ctx) => {
    const prompt = node.config.prompt ? render(ctx, node.id, 'prompt', node.config.prompt) : undefined;
    const result = await ctx.onMedia(node, (options) =>
      ctx.media.listen.executeWithOptions(options, [
        {
          callId: ctx.callId,
          nodeId: node.id,
          ...(prompt ? { prompt } : {}),
          noSpeechTimeoutMs: node.config.noSpeechTimeoutMs,
          endSilenceMs: node.config.endSilenceMs,
          ...(node.config.endOnFinishedSentence === false ? { endOnFinishedSentence: false } : {}),
          maxDurationMs: node.config.maxDurationMs,
          hints: node.config.hints,
          ...(node.config.language ? { language: node.config.language } : {}),
          ...(ctx.redactTranscripts ? { redact: true } : {}),
          ...providersOf(node.config),
        },
      ]),
    );
    // Only an event in the current batch (no activity of its own), so recorded histories replay.
    if (prompt) ctx.emit('promptPlayed', node.id, { text: prompt });
    if (result.transcript === null || result.transcript.trim() === '') {
      ctx.emit('noInput', node.id);
      return 'noInput';
    }
    ctx.emit('callerSaid', node.id, { transcript: result.transcript, confidence: result.confidence });
    ctx.vars[`${node.id}.transcript`] = result.transcript;
    ctx.vars[`${node.id}.confidence`] = String(result.confidence);
    if (node.config.saveAs) ctx.vars[`flow.${node.config.saveAs}`] = result.transcript;
    return 'heard';
  },

  menu: async (node, ctx) => {
    const digits = new Map<string, string>(node.config.options.map((option) => [option.digit, option.id]));
    const prompt = render(ctx, node.id, 'prompt', node.config.prompt);
    const speech = node.config.speech ? { phrases: node.config.options.flatMap((option) => optionPhrases(option)) } : undefined;
    let preamble: string | undefined;
    let lastFailure: 'noInput' | 'noMatch' = 'noInput';
    for (let attempt = 0; attempt <= node.config.retries; attempt++) {
      const result = await ctx.onMedia(node, (options) =>
        ctx.media.menu.executeWithOptions(options, [
          {
            callId: ctx.callId,
            nodeId: node.id,
            prompt: preamble ? `${preamble} ${prompt}` : prompt,
            timeoutMs: node.config.timeoutMs,
            interruptible: node.config.interruptible,
            // Flows started before the setting have none: the media worker then uses its old fixed silence.
            ...(speech ? { speech, ...(node.config.endSilenceMs !== undefined ? { endSilenceMs: node.config.endSilenceMs } : {}) } : {}),
            ...(ctx.redactTranscripts ? { redact: true } : {}),
            ...providersOf(node.config),
          },
        ]),
      );
      ctx.emit('promptPlayed', node.id, { playedMs: result.playedMs, interrupted: result.interrupted, attempt, text: preamble ? `${preamble} ${prompt}` : prompt });
      let choice: string | undefined;
      if (result.digit !== null) {
        ctx.emit('digit', node.id, { digit: result.digit });
        ctx.vars[`${node.id}.digit`] = result.digit;
        choice = digits.get(result.digit);
      } else if (typeof result.transcript === 'string') {
        // Words were heard; an empty transcript means they were not understood (noMatch).
        ctx.emit('callerSaid', node.id, { transcript: result.transcript });
        ctx.vars[`${node.id}.transcript`] = result.transcript;
        choice = matchSpokenOption(node.config.options, result.transcript);
      } else {
        lastFailure = 'noInput';
        preamble = render(ctx, node.id, 'noInputPrompt', node.config.noInputPrompt);
        ctx.emit('noInput', node.id, { attempt });
        continue;
      }
      if (choice) {
        ctx.vars[`${node.id}.choice`] = choice;
        return choice;
      }
      lastFailure = 'noMatch';
      preamble = render(ctx, node.id, 'noMatchPrompt', node.config.noMatchPrompt);
      ctx.emit('noMatch', node.id, { attempt });
      ctx.flush();
    }
    return lastFailure;
  },

  branch: async (node, ctx) => {
    for (const [index, condition] of node.config.conditions.entries()) {
      const expected = render(ctx, node.id, `conditions.${index}.value`, condition.value);
      // Histories from before the linear pattern engine replay with the backtracking one.
      const backtrackingMatches = condition.operator === 'matches' && !patched('linear-branch-patterns');
      if (testCondition(condition.operator, valueOf(ctx, condition.variable), expected, condition.ignoreCase, { backtrackingMatches })) {
        ctx.emit('branchTaken', node.id, { exit: condition.id });
        return condition.id;
      }
    }
    ctx.emit('branchTaken', node.id, { exit: 'else' });
    return 'else';
  },

  setVariable: async (node, ctx) => {
    const values = node.config.assignments.map((assignment, index) => [
      assignment.name,
      render(ctx, node.id, `assignments.${index}.value`, assignment.value),
    ]);
    // All values are rendered before any is stored, so assignments see the variables as they were.
    for (const [name, value] of values) ctx.vars[`flow.${name}`] = value as string;
    ctx.emit('variablesSet', node.id, { names: values.map(([name]) => name) });
    return 'next';
  },

  httpRequest: async (node, ctx) => {
    const result = await ctx.http.executeWithOptions(summaryOptions(node), [
      {
        method: node.config.method,
        url: render(ctx, node.id, 'url', node.config.url),
        headers: node.config.headers.map((header, index) => ({ name: header.name, value: render(ctx, node.id, `headers.${index}.value`, header.value) })),
        ...(node.config.body !== undefined ? { body: render(ctx, node.id, 'body', node.config.body) } : {}),
        timeoutMs: node.config.timeoutMs,
        responseMappings: node.config.responseMappings,
        allowPrivateNetwork: ctx.allowPrivateNetwork,
      },
    ]);
    ctx.vars[`${node.id}.status`] = result.status === null ? '' : String(result.status);
    if (!result.ok) {
      ctx.vars[`${node.id}.error`] = result.error;
      ctx.emit('httpRequestFailed', node.id, { status: result.status, error: result.error });
      return 'failed';
    }
    for (const [variable, value] of Object.entries(result.values)) ctx.vars[`flow.${variable}`] = value;
    ctx.emit('httpRequestDone', node.id, { status: result.status });
    return 'ok';
  },

  businessHours: async (node, ctx) => {
    // Workflow time (Date is deterministic in the workflow sandbox) in the flow's time zone.
    const open = isOpenAt(node.config, new Date());
    ctx.vars[`${node.id}.open`] = open ? 'true' : 'false';
    ctx.emit('businessHoursChecked', node.id, { open, timeZone: node.config.timeZone });
    return open ? 'open' : 'closed';
  },

  transfer: async (node, ctx) => {
    const announcement = node.config.announcement ? render(ctx, node.id, 'announcement', node.config.announcement) : undefined;
    // Each destination in turn, until one takes the call; the announcement plays before the first.
    let error = '';
    for (const [attempt, to] of node.config.targets.entries()) {
      ctx.emit('transferStarted', node.id, { to, ...(attempt > 0 ? { attempt: attempt + 1 } : {}) });
      ctx.flush();
      const result = await ctx.onMedia(node, (options) =>
        ctx.media.transfer.executeWithOptions(options, [
          { callId: ctx.callId, nodeId: node.id, to, ringingTone: node.config.ringingTone, ...(announcement && attempt === 0 ? { announcement } : {}) },
        ]),
      );
      if (result.transferred) throw new CallEnded('transferred');
      error = result.error;
      ctx.emit('transferFailed', node.id, { error: result.error, ...(attempt > 0 ? { attempt: attempt + 1 } : {}) });
    }
    ctx.vars[`${node.id}.error`] = error;
    return 'failed';
  },

  recordVoicemail: async (node, ctx) => {
    const prompt = render(ctx, node.id, 'prompt', node.config.prompt);
    const result = await ctx.onMedia(node, (options) =>
      ctx.media.recordVoicemail.executeWithOptions(options, [
        {
          callId: ctx.callId,
          nodeId: node.id,
          prompt,
          beep: node.config.beep,
          maxDurationMs: node.config.maxDurationMs,
          finishKey: node.config.finishKey,
          silenceTimeoutMs: node.config.silenceTimeoutMs,
        },
      ]),
    );
    ctx.emit('promptPlayed', node.id, { text: prompt });
    if (result.recordingId === null) {
      ctx.emit('noInput', node.id, { endedBy: result.endedBy });
      return 'noAudio';
    }
    ctx.emit('voicemailRecorded', node.id, { recordingId: result.recordingId, durationMs: result.durationMs, endedBy: result.endedBy });
    ctx.vars[`${node.id}.recordingId`] = result.recordingId;
    ctx.vars[`${node.id}.durationMs`] = String(result.durationMs);
    if (node.config.saveAs) ctx.vars[`flow.${node.config.saveAs}`] = result.recordingId;
    return 'recorded';
  },

  aiAgent: async (node, ctx) => {
    try {
      return await runAgent(node, ctx);
    } catch (error) {
      // The agent's own activities failed for good (not a lost worker: onMedia moves the call).
      if (!(error instanceof ActivityFailure)) throw error;
      ctx.vars[`${node.id}.error`] = 'The AI agent could not run on the media worker';
      ctx.emit('agentFailed', node.id, { reason: ctx.vars[`${node.id}.error`] });
      return 'error';
    }
  },

  hangup: async (node, ctx) => {
    const farewell = node.config.farewell ? render(ctx, node.id, 'farewell', node.config.farewell) : undefined;
    await ctx.onMedia(node, (options) =>
      ctx.media.hangup.executeWithOptions(options, [{ callId: ctx.callId, nodeId: node.id, ...(farewell ? { farewell } : {}) }]),
    );
    // Written with callEnded, in the same batch: no extra activity, so recorded histories still replay.
    if (farewell) ctx.emit('promptPlayed', node.id, { text: farewell, farewell: true });
    throw new CallEnded('completed');
  },

  // Never runs: a placeholder's settings never validate, so no published version holds one.
  placeholder: async () => undefined,
};
