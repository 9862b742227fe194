/** Reading call workflow histories: activity summaries and node-to-node timings. */
import { defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function eventTimeMs(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);
}

/** Activity summaries as the Temporal UI shows them (user metadata on the scheduled event). */
export function activitySummaries(events: HistoryEvent[]): string[] {
  return events
    .filter((event) => event.activityTaskScheduledEventAttributes && event.userMetadata?.summary)
    .map((event) => defaultPayloadConverter.fromPayload<string>(event.userMetadata!.summary as never));
}

/** Media activity completed → the next media activity started on the media worker, in ms. */
export function nodeTransitions(events: HistoryEvent[]): number[] {
  const media = new Set(['say', 'menu', 'hangup']);
  const byScheduledId = new Map<string, string>();
  for (const event of events) {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) byScheduledId.set(String(event.eventId), name);
  }
  const starts: number[] = [];
  const completions: number[] = [];
  for (const event of events) {
    const started = event.activityTaskStartedEventAttributes;
    if (started && media.has(byScheduledId.get(String(started.scheduledEventId)) ?? '')) starts.push(eventTimeMs(event));
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && media.has(byScheduledId.get(String(completed.scheduledEventId)) ?? '')) completions.push(eventTimeMs(event));
  }
  starts.sort((a, b) => a - b);
  return completions
    .sort((a, b) => a - b)
    .map((done) => starts.find((start) => start >= done))
    .map((next, index) => (next === undefined ? NaN : next - (completions[index] as number)))
    .filter((value) => Number.isFinite(value));
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };
const isPayload = (value: unknown): value is JsonPayload =>
  typeof value === 'object' && value !== null && 'metadata' in value && typeof (value as JsonPayload).metadata?.encoding === 'string';

/**
 * The history with every payload run through `codec.decode` (what the Temporal UI shows through
 * the codec server): encrypted payloads become readable, plain ones stay as they are.
 */
export async function decodeHistory(history: temporal.api.history.v1.IHistory, codec: PayloadCodec): Promise<temporal.api.history.v1.IHistory> {
  const json = JSON.parse(historyToJSON(history)) as unknown;
  const visit = async (value: unknown): Promise<void> => {
    if (typeof value !== 'object' || value === null) return;
    // Arrays too: their entries are keyed by index.
    for (const [key, child] of Object.entries(value)) {
      if (isPayload(child)) {
        const [decoded] = await codec.decode([
          {
            metadata: Object.fromEntries(Object.entries(child.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
            data: Buffer.from(child.data ?? '', 'base64'),
          },
        ]);
        (value as Record<string, unknown>)[key as never] = {
          metadata: Object.fromEntries(Object.entries(decoded?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
          data: Buffer.from(decoded?.data ?? new Uint8Array()).toString('base64'),
        };
      } else {
        await visit(child);
      }
    }
  };
  await visit(json);
  return historyFromJSON(json);
}
