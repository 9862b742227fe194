import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { callEvents, calls, recordings, type CallStatus } from '../../db/schema';
import type { CallEventRecord } from './types';

export interface RecordCallEventsInput {
  callId: string;
  workspaceId: string;
  events: CallEventRecord[];
}

/** Bookkeeping activities of the flow worker: they write what the call workflow decided. */
export function createCallActivities(db: Database) {
  return {
    /**
     * Stores call events and keeps the call row's status, current node and end in step with them.
     * Idempotent: an event whose seq is already stored is skipped, so retries never duplicate.
     */
    async recordCallEvents({ callId, workspaceId, events }: RecordCallEventsInput): Promise<void> {
      if (events.length === 0) return;
      await db.transaction(async (tx) => {
        await tx
          .insert(callEvents)
          .values(
            events.map((event) => ({
              workspaceId,
              callId,
              seq: event.seq,
              type: event.type,
              nodeId: event.nodeId ?? null,
              data: event.data ?? {},
              occurredAt: new Date(event.at),
            })),
          )
          .onConflictDoNothing({ target: [callEvents.callId, callEvents.seq] });

        const patch: Partial<typeof calls.$inferInsert> = {};
        for (const event of events) {
          if (event.type === 'callAnswered') {
            patch.status = 'active';
            patch.answeredAt = new Date(event.at);
          } else if (event.type === 'nodeEntered') {
            patch.currentNodeId = event.nodeId ?? null;
          } else if (event.type === 'callEnded') {
            const reason = String(event.data?.reason ?? 'completed');
            patch.status = (reason === 'completed' || reason === 'callerHungUp' ? 'completed' : 'failed') satisfies CallStatus;
            patch.endReason = reason;
            patch.endedAt = new Date(event.at);
          }
        }
        const voicemails = events.filter((event) => event.type === 'voicemailRecorded' && typeof event.data?.recordingId === 'string');
        if (voicemails.length > 0) {
          await tx
            .insert(recordings)
            .values(
              voicemails.map((event) => ({
                id: event.data?.recordingId as string,
                workspaceId,
                callId,
                nodeId: event.nodeId ?? null,
                kind: 'voicemail' as const,
                durationMs: Number(event.data?.durationMs ?? 0),
                createdAt: new Date(event.at),
              })),
            )
            .onConflictDoNothing();
        }
        if (Object.keys(patch).length > 0) {
          // A late batch must not reopen a call that has ended.
          const notEnded = patch.endedAt ? sql`true` : sql`${calls.endedAt} is null`;
          await tx.update(calls).set(patch).where(and(eq(calls.id, callId), notEnded));
        }
      });
    },
  };
}

export type CallActivities = ReturnType<typeof createCallActivities>;
