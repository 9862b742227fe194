/**
 * Caller checks before the flow answers (trigger `settings.callerChecks`, schema in
 * packages/flow-model/src/trigger-settings.ts): the workspace's do-not-call list, a STIR/SHAKEN
 * attestation policy, and rate limits per caller number and per trigger. The first failing check
 * decides: `reject` refuses the call (no workflow; the room is closed, which hangs up a SIP caller;
 * the call row records why), `route` runs the flow with `call.screening` set to the check's name
 * so a Branch node can send the caller elsewhere. A call that passes gets `call.screening` =
 * `passed`.
 *
 * Rate limits count the trigger's calls (rejected ones included) started within the window, in
 * PostgreSQL, under a per-trigger advisory lock held while the new call row is written, so a burst
 * of simultaneous calls cannot slip past the limit.
 */
import { and, desc, eq, gte, isNull, ne, sql } from 'drizzle-orm';
import { callerChecksSchema, type AttestationLevel, type CallerCheckAction, type CallerChecks } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { callEvents, calls, doNotCall, telnyxEvents } from '../../db/schema';
import { HttpError } from '../errors';

export const SCREENING_CHECKS = ['doNotCall', 'attestation', 'callerRateLimit', 'triggerRateLimit'] as const;
export type ScreeningCheck = (typeof SCREENING_CHECKS)[number];

/** With an attestation policy, how long call start waits for Telnyx's `call.initiated` when it has not arrived yet. */
export const ATTESTATION_WAIT_MS = 1_500;
/** How far back a Telnyx `call.initiated` may be to count as this call's (as in call matching). */
const ATTESTATION_LOOKBACK_MS = 120_000;

export interface Attestation {
  level: AttestationLevel | null;
  verified: boolean | null;
}

/** What the checks decided; stored on the call row (`calls.screening`) and passed to the workflow. */
export interface Screening {
  /** `passed`, or the name of the check that failed. */
  result: 'passed' | ScreeningCheck;
  action: CallerCheckAction | null;
  attestation: Attestation;
}

type Executor = Pick<Database, 'select' | 'insert' | 'execute' | 'update'>;

/** Reads `settings.callerChecks`; a stored value that no longer parses is a clear 409 (fix the trigger). */
export function readCallerChecks(settings: Record<string, unknown>): CallerChecks {
  const result = callerChecksSchema.safeParse(settings.callerChecks ?? {});
  if (!result.success) {
    throw new HttpError(409, 'invalidCallerChecks', `settings.callerChecks: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

const ATTESTATION = /^[ABC]$/;
/** Attestation fields of a Telnyx `call.initiated` payload (`shaken_stir_attestation`, `shaken_stir_validated`). */
export function attestationOf(payload: Record<string, unknown> | undefined): Attestation {
  const level = typeof payload?.shaken_stir_attestation === 'string' ? payload.shaken_stir_attestation.trim().toUpperCase() : '';
  const verified = payload?.shaken_stir_validated;
  return { level: ATTESTATION.test(level) ? (level as AttestationLevel) : null, verified: typeof verified === 'boolean' ? verified : null };
}

/** The attestation Telnyx reported for a call between these numbers that began just now (no match yet: unknown). */
export async function findAttestation(db: Executor, workspaceId: string, calledNumber: string, callerNumber: string | undefined): Promise<Attestation> {
  if (!callerNumber) return { level: null, verified: null };
  const since = new Date(Date.now() - ATTESTATION_LOOKBACK_MS);
  const [event] = await db
    .select({ data: telnyxEvents.data })
    .from(telnyxEvents)
    .where(
      and(
        eq(telnyxEvents.workspaceId, workspaceId),
        eq(telnyxEvents.eventType, 'call.initiated'),
        isNull(telnyxEvents.callId),
        gte(telnyxEvents.occurredAt, since),
        sql`${telnyxEvents.data}->'payload'->>'to' = ${calledNumber}`,
        sql`${telnyxEvents.data}->'payload'->>'from' = ${callerNumber}`,
      ),
    )
    .orderBy(desc(telnyxEvents.occurredAt))
    .limit(1);
  return attestationOf((event?.data as { payload?: Record<string, unknown> } | undefined)?.payload);
}

function attestationFails(policy: NonNullable<CallerChecks['attestation']>, attestation: Attestation): boolean {
  if (attestation.level === null) return policy.unknown === 'apply';
  if (!policy.accept.includes(attestation.level)) return true;
  return policy.requireVerified && attestation.verified !== true;
}

async function callsSince(db: Executor, triggerId: string, windowSeconds: number, callerNumber?: string): Promise<number> {
  const since = new Date(Date.now() - windowSeconds * 1000);
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(calls)
    .where(and(eq(calls.triggerId, triggerId), gte(calls.startedAt, since), ...(callerNumber ? [eq(calls.callerNumber, callerNumber)] : [])));
  return row?.count ?? 0;
}

export interface ScreenInput {
  workspaceId: string;
  triggerId: string;
  checks: CallerChecks;
  callerNumber?: string | undefined;
  attestation: Attestation;
}

/** Runs the checks in order; the first that fails decides. Counts calls already written (call before inserting this one). */
export async function screenCaller(db: Executor, input: ScreenInput): Promise<Screening> {
  const { checks, callerNumber, attestation } = input;
  const fail = (result: ScreeningCheck, action: CallerCheckAction): Screening => ({ result, action, attestation });

  if (callerNumber) {
    const [listed] = await db
      .select({ id: doNotCall.id })
      .from(doNotCall)
      .where(and(eq(doNotCall.workspaceId, input.workspaceId), eq(doNotCall.phoneNumber, callerNumber)))
      .limit(1);
    if (listed) return fail('doNotCall', checks.doNotCall?.action ?? 'reject');
  }
  if (checks.attestation && attestationFails(checks.attestation, attestation)) return fail('attestation', checks.attestation.action);
  // A withheld number has no per-caller count; the trigger's limit still applies.
  if (checks.callerRateLimit && callerNumber) {
    const count = await callsSince(db, input.triggerId, checks.callerRateLimit.windowSeconds, callerNumber);
    if (count >= checks.callerRateLimit.max) return fail('callerRateLimit', checks.callerRateLimit.action);
  }
  if (checks.triggerRateLimit) {
    const count = await callsSince(db, input.triggerId, checks.triggerRateLimit.windowSeconds);
    if (count >= checks.triggerRateLimit.max) return fail('triggerRateLimit', checks.triggerRateLimit.action);
  }
  return { result: 'passed', action: null, attestation };
}

export interface AdmitCallInput {
  workspaceId: string;
  trigger: { id: string; settings: Record<string, unknown> };
  callerNumber?: string | undefined;
  calledNumber: string;
  /** The call row to write (without screening fields). */
  row: typeof calls.$inferInsert;
  /** Known attestation (e.g. from SIP headers); otherwise looked up in stored Telnyx events. */
  attestation?: Attestation;
}

/**
 * A call id (or room name) that a call of another workspace already has. Said the same way whether
 * or not the id is in use anywhere else, and naming nothing of that call.
 */
export const callIdTaken = () => new HttpError(409, 'callIdTaken', 'callId: this call id (or room name) cannot be used; give another one');

/**
 * Refuses a room another workspace's call is in: a media worker joining it would speak to, and hear,
 * that workspace's caller.
 */
export async function assertRoomFree(db: Pick<Database, 'select'>, workspaceId: string, roomName: string): Promise<void> {
  const [other] = await db.select({ id: calls.id }).from(calls).where(and(eq(calls.roomName, roomName), ne(calls.workspaceId, workspaceId))).limit(1);
  if (other) throw callIdTaken();
}

export interface Admission {
  /** False when the call row already existed (a duplicate start): nothing was checked or written; `screening` and `rejected` are the first start's. */
  inserted: boolean;
  screening: Screening | undefined;
  rejected: boolean;
}

/**
 * Screens the caller and writes the call row in one transaction (under the trigger's advisory lock,
 * so concurrent calls count each other). A rejected call's row is written ended (`failed`,
 * `rejected`) with its `callerScreened` and `callEnded` events, since no workflow will write them.
 */
export async function admitCall(db: Database, input: AdmitCallInput): Promise<Admission> {
  const checks = readCallerChecks(input.trigger.settings);
  // Telnyx posts call.initiated about when it sends the INVITE: with a policy to apply, give a late
  // webhook a moment (outside the lock, so other calls are not held up).
  let attestation = input.attestation;
  if (!attestation && checks.attestation && input.callerNumber) {
    const deadline = Date.now() + ATTESTATION_WAIT_MS;
    for (;;) {
      attestation = await findAttestation(db, input.workspaceId, input.calledNumber, input.callerNumber);
      if (attestation.level || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`screen:${input.trigger.id}`}))`);
    // A duplicate start (a redelivered webhook, possibly concurrent: the lock ordered it after the
    // first) gets what the first decided, so a workflow started by either has the same input.
    const [existing] = await tx.select({ workspaceId: calls.workspaceId, screening: calls.screening, endReason: calls.endReason }).from(calls).where(eq(calls.id, input.row.id));
    if (existing) {
      // Call ids are one space for the installation: another workspace's call is not a duplicate.
      if (existing.workspaceId !== input.workspaceId) throw callIdTaken();
      const screening = (existing.screening ?? undefined) as Screening | undefined;
      return { inserted: false, screening, rejected: existing.endReason === 'rejected' };
    }

    attestation ??= await findAttestation(tx, input.workspaceId, input.calledNumber, input.callerNumber);
    const screening = await screenCaller(tx, { workspaceId: input.workspaceId, triggerId: input.trigger.id, checks, callerNumber: input.callerNumber, attestation });
    const rejected = screening.action === 'reject';
    const now = new Date();
    await tx.insert(calls).values({
      ...input.row,
      stirAttestation: attestation.level,
      stirVerified: attestation.verified,
      screening: { ...screening },
      ...(rejected ? { status: 'failed' as const, endReason: 'rejected', endedAt: now } : {}),
    });
    if (rejected) {
      await tx.insert(callEvents).values([
        { workspaceId: input.workspaceId, callId: input.row.id, seq: 1, type: 'callerScreened', data: screeningEventData(screening), occurredAt: now },
        { workspaceId: input.workspaceId, callId: input.row.id, seq: 2, type: 'callEnded', data: { reason: 'rejected', steps: 0 }, occurredAt: now },
      ]);
    }
    return { inserted: true, screening, rejected };
  });
}

/** The `callerScreened` event's data: what was decided, never the number. */
export function screeningEventData(screening: Screening): Record<string, unknown> {
  return {
    result: screening.result,
    action: screening.action,
    attestation: screening.attestation.level,
    attestationVerified: screening.attestation.verified,
  };
}
