import { ApplicationFailure } from '@temporalio/common';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RunnableFlow } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { callEvents, calls, credentials, flowVersions, recordings, type CallStatus } from '../../db/schema';
import type { CallEventRecord } from './types';

/** The PostgreSQL NOTIFY channel that announces committed call events (see docs/events.md). */
export const CALL_EVENTS_CHANNEL = 'call_events';
/** First key of the transaction-scoped advisory lock that orders event writes per workspace. */
const EVENTS_LOCK_CLASS = 7_001;

/** The NOTIFY payload: which workspace and call have new events, up to which event id. */
export interface CallEventsNotification {
  workspaceId: string;
  callId: string;
  lastId: number;
}

export interface RecordCallEventsInput {
  callId: string;
  workspaceId: string;
  events: CallEventRecord[];
}

export interface LoadFlowVersionInput {
  workspaceId: string;
  flowVersionId: string;
}

export interface LoadAgentCredentialsInput {
  workspaceId: string;
  /** Connections (rows of `credentials`) that hold AI agent steps' keys, e.g. `llm`. */
  credentials: string[];
}

/** Bookkeeping activities of the flow worker: they write what the call workflow decided. */
export function createCallActivities(db: Database) {
  return {
    /**
     * The stored keys of an AI agent step's connections, still sealed (AES-256-GCM, bound to the
     * workspace and connection): only the media worker that calls the model opens them, so no
     * plaintext key is ever in the call's history. A connection without a stored key is left out.
     */
    async loadAgentCredentials({ workspaceId, credentials: names }: LoadAgentCredentialsInput): Promise<Record<string, string>> {
      if (names.length === 0) return {};
      const rows = await db
        .select({ provider: credentials.provider, ciphertext: credentials.ciphertext })
        .from(credentials)
        .where(and(eq(credentials.workspaceId, workspaceId), inArray(credentials.provider, names)));
      return Object.fromEntries(rows.map((row) => [row.provider, row.ciphertext]));
    },

    /**
     * The graph of a published version, for a call whose input names the version instead of carrying
     * it (versions never change once published, so every attempt reads the same graph).
     */
    async loadFlowVersion({ workspaceId, flowVersionId }: LoadFlowVersionInput): Promise<RunnableFlow> {
      const [row] = await db
        .select({ graph: flowVersions.graph })
        .from(flowVersions)
        .where(and(eq(flowVersions.id, flowVersionId), eq(flowVersions.workspaceId, workspaceId)));
      if (!row) throw ApplicationFailure.nonRetryable(`Flow version ${flowVersionId} no longer exists (its flow was deleted)`, 'FlowVersionMissing');
      return row.graph;
    },

    /**
     * Stores call events and keeps the call row's status, current node and end in step with them.
     * Idempotent: an event whose seq is already stored is skipped, so retries never duplicate.
     */
    async recordCallEvents({ callId, workspaceId, events }: RecordCallEventsInput): Promise<void> {
      if (events.length === 0) return;
      await db.transaction(async (tx) => {
        // Live clients read events by id (`after=<id>`), so within a workspace ids must become
        // visible in the order they were assigned: one writer per workspace at a time.
        await tx.execute(sql`select pg_advisory_xact_lock(${EVENTS_LOCK_CLASS}, hashtext(${workspaceId}))`);
        const inserted = await tx
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
          .onConflictDoNothing({ target: [callEvents.callId, callEvents.seq] })
          .returning({ id: callEvents.id });

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
        // A recorded call: one row per part (one per media worker that held the call), in order.
        const parts = events.filter((event) => event.type === 'recordingStarted' && typeof event.data?.recordingId === 'string');
        if (parts.length > 0) {
          await tx
            .insert(recordings)
            .values(
              parts.map((event) => ({
                id: event.data?.recordingId as string,
                workspaceId,
                callId,
                nodeId: null,
                kind: 'call' as const,
                durationMs: 0,
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
        // Delivered to listeners only when this transaction commits: persist, then deliver.
        if (inserted.length > 0) {
          const payload: CallEventsNotification = { workspaceId, callId, lastId: Math.max(...inserted.map((row) => row.id)) };
          await tx.execute(sql`select pg_notify(${CALL_EVENTS_CHANNEL}, ${JSON.stringify(payload)})`);
        }
      });
    },
  };
}

export type CallActivities = ReturnType<typeof createCallActivities>;
