import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { calls } from '../../db/schema';
import { callerHungUpSignal } from '../../workflows/definitions';
import { toE164 } from '../phone-numbers';
import { telnyxEvents } from '../../db/schema';
import { attestationOf } from '../telephony/caller-checks';

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date-time');

/** A Telnyx webhook body (API v2): `{ data: { record_type: 'event', event_type, id, occurred_at, payload }, meta? }`. */
export const telnyxWebhookBody = z.object({
  data: z.looseObject({
    event_type: z.string().min(1).max(100),
    id: z.string().min(1).max(128),
    occurred_at: timestamp,
    payload: z
      .looseObject({
        call_control_id: z.string().optional(),
        call_leg_id: z.string().optional(),
        call_session_id: z.string().optional(),
        connection_id: z.string().optional(),
        from: z.string().optional(),
        to: z.string().optional(),
        direction: z.string().optional(),
        state: z.string().optional(),
        hangup_cause: z.string().optional(),
        hangup_source: z.string().optional(),
        start_time: timestamp.optional(),
        shaken_stir_attestation: z.string().optional(),
        shaken_stir_validated: z.boolean().optional(),
        end_time: timestamp.optional(),
      })
      .default({}),
  }),
});
export type TelnyxWebhookBody = z.output<typeof telnyxWebhookBody>;
export type TelnyxEvent = TelnyxWebhookBody['data'];

/** How far a call's start may be from the Telnyx call's start for a match by numbers. */
export const MATCH_WINDOW_MS = 120_000;
/** Without a start time (e.g. a hang-up with no `start_time`), how long a call may have lasted. */
export const MAX_CALL_LENGTH_MS = 4 * 60 * 60 * 1000;

export interface AcceptedEvent {
  /** False when this event id was stored before: a redelivery. */
  stored: boolean;
  /** The matched `calls` row, if any yet. */
  callId: string | null;
  /** Whether the call's workflow was signalled `callerHungUp` (and was still running). */
  hangupSignalled: boolean;
}

/**
 * Stores one Telnyx call event (once per event id), joins it to our call, and, once the call's
 * Telnyx session has a `call.hangup`, signals `callerHungUp` to its workflow. Every step is
 * idempotent and does not depend on arrival order, so redelivered or reordered events converge to
 * the same rows and at most one effective signal.
 */
export async function acceptTelnyxEvent(db: Database, temporal: Client, workspaceId: string, event: TelnyxEvent): Promise<AcceptedEvent> {
  const { payload } = event;
  const inserted = await db
    .insert(telnyxEvents)
    .values({
      id: event.id,
      workspaceId,
      eventType: event.event_type,
      callSessionId: payload.call_session_id ?? null,
      callLegId: payload.call_leg_id ?? null,
      callControlId: payload.call_control_id ?? null,
      occurredAt: new Date(event.occurred_at),
      data: event as Record<string, unknown>,
    })
    .onConflictDoNothing({ target: telnyxEvents.id })
    .returning({ id: telnyxEvents.id });

  const call = await matchCall(db, workspaceId, event);
  if (!call) return { stored: inserted.length > 0, callId: null, hangupSignalled: false };

  // Join every event of this Telnyx call (including ones that arrived before our call row existed).
  const sameCall = payload.call_session_id ? eq(telnyxEvents.callSessionId, payload.call_session_id) : eq(telnyxEvents.id, event.id);
  await db.update(telnyxEvents).set({ callId: call.id }).where(and(sameCall, isNull(telnyxEvents.callId)));
  // The caller id's STIR/SHAKEN attestation, when the call started before Telnyx told us.
  const attestation = attestationOf(payload);
  if (attestation.level) {
    await db
      .update(calls)
      .set({ stirAttestation: attestation.level, stirVerified: attestation.verified })
      .where(and(eq(calls.id, call.id), isNull(calls.stirAttestation)));
  }

  const [hangup] = await db
    .select({ id: telnyxEvents.id })
    .from(telnyxEvents)
    .where(and(eq(telnyxEvents.callId, call.id), eq(telnyxEvents.eventType, 'call.hangup')))
    .limit(1);
  const hangupSignalled = hangup ? await signalHangUp(temporal, call.workflowId) : false;
  return { stored: inserted.length > 0, callId: call.id, hangupSignalled };
}

async function signalHangUp(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(workflowId).signal(callerHungUpSignal);
    return true;
  } catch (error) {
    // Already ended (or never started): nothing left to hang up.
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Telnyx ids in the shape our call ids take (see toCallId in start-call.ts). */
const asCallId = (value: string) => value.trim().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 128);

/**
 * Finds our `calls` row for a Telnyx call event. Rules, first that answers wins:
 * 1. Sticky: an earlier event of the same `call_session_id` was already matched → that call.
 * 2. By id: a call whose id is the event's `call_session_id`, `call_leg_id` or `call_control_id`
 *    (a SIP side that starts calls with one of those ids joins exactly).
 * 3. By numbers and time: a call in the workspace with `called_number` = `to` and
 *    `caller_number` = `from` (both E.164; a withheld caller matches a call with no caller number),
 *    not yet claimed by another Telnyx session, whose start is within ±120 s of the Telnyx call's
 *    start (`payload.start_time`, else `occurred_at` of call.initiated / call.answered). An event
 *    with no start time and of another type (a late call.hangup) accepts a call started up to 4 h
 *    before it. The call whose start is closest wins.
 */
export async function matchCall(db: Database, workspaceId: string, event: TelnyxEvent): Promise<{ id: string; workflowId: string } | undefined> {
  const { payload } = event;
  const session = payload.call_session_id;
  const columns = { id: calls.id, workflowId: calls.workflowId };

  if (session) {
    const [known] = await db
      .select(columns)
      .from(telnyxEvents)
      .innerJoin(calls, eq(calls.id, telnyxEvents.callId))
      .where(and(eq(telnyxEvents.callSessionId, session), isNotNull(telnyxEvents.callId)))
      .limit(1);
    if (known) return known;
  }

  const ids = [payload.call_session_id, payload.call_leg_id, payload.call_control_id].filter((id): id is string => !!id?.trim()).map(asCallId);
  if (ids.length > 0) {
    const [byId] = await db
      .select(columns)
      .from(calls)
      .where(and(eq(calls.workspaceId, workspaceId), inArray(calls.id, ids)))
      .limit(1);
    if (byId) return byId;
  }

  const to = payload.to ? toE164(payload.to) : undefined;
  if (!to?.ok) return undefined;
  const from = payload.from ? toE164(payload.from) : undefined;
  const startTime = payload.start_time ?? (event.event_type === 'call.initiated' || event.event_type === 'call.answered' ? event.occurred_at : undefined);
  const anchor = new Date(startTime ?? event.occurred_at);
  const earliest = new Date(anchor.getTime() - (startTime ? MATCH_WINDOW_MS : MAX_CALL_LENGTH_MS));
  const latest = new Date(anchor.getTime() + MATCH_WINDOW_MS);
  const claimedByAnotherSession = sql`exists (select 1 from ${telnyxEvents} where ${telnyxEvents.callId} = ${calls.id} and ${telnyxEvents.callSessionId} is distinct from ${session ?? null})`;

  const [byNumbers] = await db
    .select(columns)
    .from(calls)
    .where(
      and(
        eq(calls.workspaceId, workspaceId),
        eq(calls.calledNumber, to.number),
        from?.ok ? eq(calls.callerNumber, from.number) : isNull(calls.callerNumber),
        sql`${calls.startedAt} between ${earliest.toISOString()} and ${latest.toISOString()}`,
        sql`not ${claimedByAnotherSession}`,
      ),
    )
    .orderBy(sql`abs(extract(epoch from (${calls.startedAt} - ${anchor.toISOString()}::timestamptz)))`)
    .limit(1);
  return byNumbers;
}
