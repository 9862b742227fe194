/** Call events in words: the timeline's sentences and the transcript's lines. */
import type { CallEvent } from '../api/types';
import { duration, humanize } from '../lib/text';

const endReasons: Record<string, string> = {
  completed: 'the flow finished',
  callerHungUp: 'the caller hung up',
  callerNeverJoined: 'the caller never joined',
  mediaUnavailable: 'no media worker was available',
  noCapacity: 'refused: every media worker was busy',
  maxSteps: 'too many steps (loop guard)',
  maxDuration: 'the call ran too long',
  transferred: 'transferred',
  flowError: 'the flow failed',
  cancelled: 'cancelled',
  terminated: 'terminated by an owner in the Temporal UI',
  rejected: 'refused by a caller check',
};

const screeningChecks: Record<string, string> = {
  doNotCall: 'the caller is on the do-not-call list',
  attestation: 'the caller id attestation failed the STIR/SHAKEN policy',
  callerRateLimit: 'the caller called too often',
  triggerRateLimit: 'the number is receiving too many calls',
};

/** `callerHungUp` → `The caller hung up`. */
export function endReasonText(reason: string | null | undefined): string {
  if (!reason) return '';
  const text = endReasons[reason] ?? humanize(reason).toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const str = (value: unknown) => (value === undefined || value === null ? '' : String(value));

/** One timeline line: what happened, and optional detail. */
export function describeEvent(event: CallEvent, labels: Map<string, string>): { title: string; detail?: string; tone?: 'caller' | 'warn' | 'end' } {
  const d = event.data;
  const node = event.nodeId ? (labels.get(event.nodeId) ?? event.nodeId) : '';
  switch (event.type) {
    case 'callerScreened':
      return d.result === 'passed'
        ? { title: 'Caller checks passed', ...(d.attestation ? { detail: `attestation ${str(d.attestation)}` } : {}) }
        : { title: d.action === 'reject' ? 'Call refused' : 'Caller routed by a check', detail: screeningChecks[str(d.result)] ?? str(d.result), tone: 'warn' };
    case 'callStarted':
      return { title: 'Call came in', detail: d.flowVersion !== undefined ? `flow version ${str(d.flowVersion)}` : undefined };
    case 'mediaAttached': {
      // When the caller could hear the worker (subscribed to its voice), as its attach measured it.
      const detail = [str(d.workerId), d.callerHeardAfterMs !== undefined ? `caller could hear it after ${(Number(d.callerHeardAfterMs) / 1000).toFixed(1)} s` : ''].filter(Boolean).join(' · ');
      return Number(d.reattachment ?? 0) > 0 ? { title: 'Another media worker took over', detail, tone: 'warn' } : { title: 'Media worker joined', detail };
    }
    case 'callAnswered':
      return { title: 'Answered' };
    case 'nodeEntered':
      return { title: `Entered ${node}`, detail: d.type ? humanize(str(d.type)) : undefined };
    case 'promptPlayed':
      return {
        title: d.farewell ? 'Said goodbye' : d.agent ? (d.interrupted ? 'Agent cut short by the caller' : 'Agent said') : d.interrupted ? 'Prompt cut short by the caller' : 'Prompt played',
        detail: [d.text ? `“${str(d.text)}”` : '', d.playedMs !== undefined ? duration(Number(d.playedMs)) : ''].filter(Boolean).join(' · '),
      };
    case 'digit':
      return { title: `Caller pressed ${str(d.digit)}`, tone: 'caller' };
    case 'callerSaid':
      return { title: 'Caller said', detail: `“${str(d.transcript)}”${d.confidence !== undefined ? ` · confidence ${Number(d.confidence).toFixed(2)}` : ''}`, tone: 'caller' };
    case 'noInput':
      return { title: 'No answer from the caller', detail: d.attempt !== undefined ? `attempt ${Number(d.attempt) + 1}` : undefined, tone: 'warn' };
    case 'noMatch':
      return { title: 'Answer not recognised', detail: d.attempt !== undefined ? `attempt ${Number(d.attempt) + 1}` : undefined, tone: 'warn' };
    case 'nodeExited':
      return { title: `Left ${node}`, detail: `by ${humanize(str(d.exit))}` };
    case 'mediaLost':
      return {
        title: 'Lost the media worker',
        detail: [`${str(d.workerId)} (${humanize(str(d.failure))})`, d.heardMs !== undefined ? `caller had heard ${(Number(d.heardMs) / 1000).toFixed(1)} s of this step` : '', d.resume === 'recoveryPrompt' ? 'resumed with the recovery line' : ''].filter(Boolean).join(' · '),
        tone: 'warn',
      };
    case 'variableMissing':
      return { title: 'A variable had no value', detail: `${(d.variables as string[] | undefined)?.join(', ') ?? ''} in ${humanize(str(d.field))}`, tone: 'warn' };
    case 'variablesSet':
      return { title: 'Variables set', detail: (d.names as string[] | undefined)?.join(', ') };
    case 'branchTaken':
      return { title: `Branch took ${humanize(str(d.exit))}` };
    case 'httpRequestDone':
      return { title: `HTTP request answered ${str(d.status)}` };
    case 'httpRequestFailed':
      return { title: 'HTTP request failed', detail: [d.status ? `status ${str(d.status)}` : '', str(d.error)].filter(Boolean).join(' · '), tone: 'warn' };
    case 'businessHoursChecked':
      return { title: d.open ? 'Within business hours' : 'Outside business hours', detail: str(d.timeZone) };
    case 'transferStarted':
      return { title: d.attempt ? `Transferring the caller (destination ${str(d.attempt)})` : 'Transferring the caller', detail: str(d.to) };
    case 'transferFailed':
      return { title: 'Transfer failed', detail: str(d.error), tone: 'warn' };
    case 'voicemailRecorded':
      return { title: 'Voicemail recorded', detail: duration(Number(d.durationMs ?? 0)), tone: 'caller' };
    case 'agentToolCall':
      return {
        title: d.tool === 'finish' ? `Agent chose to finish${d.outcome ? ` with ${humanize(str(d.outcome))}` : ''}` : d.field ? `Agent saved ${str(d.field)}` : `Agent called ${str(d.tool)}`,
        detail: d.ok === false ? `refused: ${str(d.message)}` : undefined,
        tone: d.ok === false ? 'warn' : undefined,
      };
    case 'agentOutcome':
      return {
        title: `Agent ended: ${humanize(str(d.outcome))}`,
        detail: [`${str(d.turns)} caller turns`, Array.isArray(d.fields) && d.fields.length ? `fields ${(d.fields as string[]).join(', ')}` : ''].filter(Boolean).join(' · '),
      };
    case 'agentFailed':
      return { title: 'AI agent failed', detail: str(d.reason), tone: 'warn' };
    case 'providerFallback':
      return {
        title: `${d.kind === 'stt' ? 'Recognition' : d.kind === 'llm' ? 'Language model' : 'Speech'} provider ${str(d.from)} failed`,
        detail: [d.to ? `${str(d.to)} took over` : 'no provider left', str(d.reason)].filter(Boolean).join(' · '),
        tone: 'warn',
      };
    case 'recordingConsent':
      return { title: 'Caller told the call is recorded', detail: d.playedMs !== undefined ? duration(Number(d.playedMs)) : undefined };
    case 'recordingStarted':
      return { title: Number(d.part ?? 1) > 1 ? `Recording continued (part ${str(d.part)})` : 'Recording started', detail: str(d.workerId) };
    case 'callEnded':
      return { title: 'Call ended', detail: endReasonText(str(d.reason)), tone: 'end' };
    default:
      return {
        title: humanize(event.type),
        detail: Object.entries(d)
          .map(([key, value]) => `${humanize(key).toLowerCase()}: ${typeof value === 'object' ? JSON.stringify(value) : str(value)}`)
          .join(' · '),
      };
  }
}

/** Node id → label, from the nodeEntered events. */
export function nodeLabels(events: CallEvent[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const event of events) if (event.type === 'nodeEntered' && event.nodeId) labels.set(event.nodeId, str(event.data.label) || event.nodeId);
  return labels;
}

/** A line of the transcript. */
export interface TranscriptLine {
  seq: number;
  speaker: 'caller' | 'system';
  text: string;
  at: string;
  /** Not words: a key press, an interrupted prompt, a voicemail. */
  note?: boolean;
}

/** What was said (and pressed), in order, by whom. */
export function transcript(events: CallEvent[]): TranscriptLine[] {
  const labels = nodeLabels(events);
  const lines: TranscriptLine[] = [];
  for (const event of events) {
    const d = event.data;
    const base = { seq: event.seq, at: event.occurredAt };
    if (event.type === 'promptPlayed') {
      const text = d.text ? str(d.text) : d.assetId ? 'Played an audio file' : `Prompt of ${labels.get(event.nodeId ?? '') ?? event.nodeId}`;
      lines.push({ ...base, speaker: 'system', text: d.interrupted ? `${text} (cut short)` : text, note: !d.text });
    } else if (event.type === 'callerSaid') {
      lines.push({ ...base, speaker: 'caller', text: str(d.transcript) || '(not understood)' });
    } else if (event.type === 'digit') {
      lines.push({ ...base, speaker: 'caller', text: `Pressed ${str(d.digit)}`, note: true });
    } else if (event.type === 'voicemailRecorded') {
      lines.push({ ...base, speaker: 'caller', text: `Left a voicemail (${duration(Number(d.durationMs ?? 0))})`, note: true });
    }
  }
  return lines;
}
