/**
 * What-if replays (docs/change-a-live-flow-safely.md): a recorded call's caller inputs, read back
 * from its stored events, and the comparison of the path it took with the path a replay takes.
 * Pure functions.
 */
import type { RunnableFlow } from '@switchboard/flow-model';
import type { ScriptedInput, TestScript } from '../../workers/scripted-worker';
import type { WhatIfCall } from '../../lib/contracts/api-responses';

/** A stored call event, as `call_events` holds it (ordered by seq). */
export interface StoredEvent {
  type: string;
  nodeId: string | null;
  data: Record<string, unknown>;
}

/** What a recorded call gives a replay: the caller's inputs and the services' answers in order, and what happened. */
export interface RecordedCall {
  script: TestScript;
  /** Whether each transfer the call reached connected (in order). */
  transfers: boolean[];
  /** Steps entered, in order. */
  path: string[];
  endReason: string | null;
}

/** Stands for the words of a message left on a voicemail step (the recording itself is not replayed). */
export const VOICEMAIL_WORDS = '(a voicemail message)';

/**
 * Reads a call's inputs from its events: keys (`digit`), recognized words (`callerSaid`),
 * timeouts (`noInput`), voicemails, HTTP answers (their status, and the fields the step kept,
 * from the variables the call ended with; pass the version's graph), transfers, and a caller
 * hanging up.
 */
/** Sets `value` at a dotted path of `target`, making objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: string): void {
  const parts = path.split('.').filter(Boolean);
  let cursor = target;
  parts.forEach((part, index) => {
    if (index === parts.length - 1) cursor[part] = value;
    else cursor = (cursor[part] = typeof cursor[part] === 'object' && cursor[part] !== null ? cursor[part] : {}) as Record<string, unknown>;
  });
}

/**
 * The answer an HTTP step got, as far as the call kept it: the fields its response mappings
 * stored, read from the variables the call ended with (`callEnded`), in the shape of the answer.
 */
function answerBody(graph: RunnableFlow | undefined, nodeId: string | null, variables: Record<string, unknown>): unknown {
  const node = graph?.nodes.find((candidate) => candidate.id === nodeId);
  if (!node || node.type !== 'httpRequest') return {};
  let body: Record<string, unknown> | string = {};
  for (const mapping of node.config.responseMappings) {
    const value = variables[`flow.${mapping.variable}`];
    if (typeof value !== 'string') continue;
    if (mapping.path === '') body = value;
    else if (typeof body === 'object') setAt(body, mapping.path, value);
  }
  return body;
}

export function recordedCall(events: readonly StoredEvent[], endReason: string | null, graph?: RunnableFlow): RecordedCall {
  const ended = [...events].reverse().find((event) => event.type === 'callEnded');
  const finalVariables = (ended?.data?.variables ?? {}) as Record<string, unknown>;
  const inputs: ScriptedInput[] = [];
  const httpResponses: TestScript['httpResponses'] = [];
  const transfers: boolean[] = [];
  const path: string[] = [];
  let transferring = false;
  for (const event of events) {
    const data = event.data ?? {};
    switch (event.type) {
      case 'nodeEntered':
        if (transferring) transfers.push(false); // left the transfer by its failed exit
        transferring = false;
        if (event.nodeId) path.push(event.nodeId);
        break;
      case 'digit':
        if (typeof data.digit === 'string' && /^[0-9*#]$/.test(data.digit)) inputs.push({ digits: data.digit });
        break;
      case 'callerSaid':
        inputs.push(typeof data.transcript === 'string' && data.transcript.trim() ? { say: data.transcript.trim().slice(0, 500) } : { silence: true });
        break;
      case 'noInput':
        inputs.push({ silence: true });
        break;
      case 'voicemailRecorded':
        inputs.push(data.endedBy === 'key' ? { digits: '#' } : { say: VOICEMAIL_WORDS });
        break;
      case 'httpRequestDone':
        httpResponses.push({ status: typeof data.status === 'number' ? data.status : 200, body: answerBody(graph, event.nodeId, finalVariables) });
        break;
      case 'httpRequestFailed':
        httpResponses.push(typeof data.status === 'number' ? { status: data.status } : { error: typeof data.error === 'string' && data.error.trim() ? data.error.slice(0, 300) : 'failed' });
        break;
      case 'transferStarted':
        transferring = true;
        break;
      case 'transferFailed':
        transfers.push(false);
        transferring = false;
        break;
      case 'callEnded':
        if (transferring) transfers.push(data.reason === 'transferred');
        transferring = false;
        if (data.reason === 'callerHungUp') inputs.push({ hangUp: true });
        break;
    }
  }
  return { script: { inputs: inputs.slice(0, 100), httpResponses: httpResponses.slice(0, 100), modelAnswers: [] }, transfers, path, endReason };
}

/** How a replay compares with the call it replays: its outcome, where the paths part, why it could not run. */
export type ReplayComparison = Pick<WhatIfCall, 'outcome' | 'parted' | 'reason'>;

/** Compares a replay with the original call. */
export function compareReplay(
  original: { path: readonly string[]; endReason: string | null },
  replay: { path: readonly string[]; endReason: string | null; missingInputs: number; missingHttpResponses: number; error?: string },
): ReplayComparison {
  let index = 0;
  while (index < original.path.length && index < replay.path.length && original.path[index] === replay.path[index]) index++;
  // A caller who hung up is gone wherever the replay would have gone on from there.
  const hungUpOnTheWay = original.endReason === 'callerHungUp' && index === original.path.length;
  const samePath = hungUpOnTheWay || (index === original.path.length && index === replay.path.length);
  const parted = samePath
    ? undefined
    : { after: index > 0 ? (original.path[index - 1] as string) : null, original: original.path[index] ?? null, replay: replay.path[index] ?? null, index };
  if (replay.error) return { outcome: 'couldNotReplay', reason: replay.error, ...(parted ? { parted } : {}) };
  if (replay.missingInputs > 0) {
    return { outcome: 'couldNotReplay', reason: `The flow asked the caller for ${replay.missingInputs} more answer${replay.missingInputs === 1 ? '' : 's'} than the call gave`, ...(parted ? { parted } : {}) };
  }
  if (replay.missingHttpResponses > 0) {
    return { outcome: 'couldNotReplay', reason: `The flow made ${replay.missingHttpResponses} more HTTP request${replay.missingHttpResponses === 1 ? '' : 's'} than the call did`, ...(parted ? { parted } : {}) };
  }
  if (parted) return { outcome: 'differentPath', parted };
  if (!hungUpOnTheWay && (original.endReason ?? null) !== (replay.endReason ?? null)) return { outcome: 'endedDifferently' };
  return { outcome: 'samePath' };
}
