/** Reading call workflow histories: activity summaries and node-to-node timings. */
import { defaultPayloadConverter } from '@temporalio/common';
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
