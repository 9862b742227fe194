/**
 * Deleting call data for good: the database rows (calls, their events, recordings, Telnyx events),
 * the recordings' audio in the blob store, and the calls' Temporal workflow executions (terminated
 * when still running, then deleted with their histories). Used by caller erasure
 * (`POST /api/privacy/erase`) and by the retention schedule.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { callEvents, calls, flows, recordings, telnyxEvents } from '../../db/schema';
import { audit } from '../audit';
import { recordingKey, type BlobStore } from '../blob-store';
import { callerNumberHash, normalizeNumber } from './caller-hash';
import type { CallerErasureReport, ErasureReport } from '../contracts/api-responses';
import { CallerNumberKey, FlowIdKey } from '../contracts/temporal';
import { workflowOwners } from '../workflow-owners';

export interface ErasureDeps {
  db: Database;
  blobs: BlobStore;
  temporal: Client;
  namespace: string;
}

export type { CallerErasureReport, ErasureReport };

const emptyReport = (): ErasureReport => ({ calls: 0, events: 0, recordings: 0, telnyxEvents: 0, workflowsTerminated: 0, workflowsDeleted: 0 });

/** gRPC status NOT_FOUND. */
const GRPC_NOT_FOUND = 5;

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError || (error as { code?: number }).code === GRPC_NOT_FOUND || /not found/i.test((error as Error).message ?? '');

/**
 * Deletes one workflow execution with its history; a running one is terminated by Temporal first
 * (one request: the server terminates and deletes). Temporal deletes asynchronously: an execution
 * that closed long ago goes at once, one that closed seconds ago within about a minute.
 */
export async function deleteWorkflowExecution(temporal: Client, namespace: string, workflowId: string): Promise<{ terminated: boolean; deleted: boolean }> {
  let terminated: boolean;
  try {
    terminated = (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    if (isNotFound(error)) return { terminated: false, deleted: false };
    throw error;
  }
  try {
    await temporal.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId } });
    return { terminated, deleted: true };
  } catch (error) {
    if (isNotFound(error)) return { terminated, deleted: false };
    throw error;
  }
}

/**
 * Deletes calls of a workspace and everything that belongs to them. Temporal first (a running call
 * would otherwise keep writing events), then the audio, then the rows.
 */
export async function eraseCalls(deps: ErasureDeps, workspaceId: string, callIds: string[], extraWorkflowIds: string[] = []): Promise<ErasureReport> {
  const report = emptyReport();
  const rows = callIds.length
    ? await deps.db.select({ id: calls.id, workflowId: calls.workflowId }).from(calls).where(and(eq(calls.workspaceId, workspaceId), inArray(calls.id, callIds)))
    : [];
  const ids = rows.map((row) => row.id);
  const workflowIds = [...new Set([...rows.map((row) => row.workflowId), ...extraWorkflowIds])];
  for (const workflowId of workflowIds) {
    const result = await deleteWorkflowExecution(deps.temporal, deps.namespace, workflowId);
    if (result.terminated) report.workflowsTerminated++;
    if (result.deleted) report.workflowsDeleted++;
  }
  if (ids.length === 0) return report;
  const audio = await deps.db.select({ id: recordings.id }).from(recordings).where(inArray(recordings.callId, ids));
  for (const recording of audio) await deps.blobs.delete(recordingKey(recording.id));
  await deps.db.transaction(async (tx) => {
    report.telnyxEvents += (await tx.delete(telnyxEvents).where(inArray(telnyxEvents.callId, ids)).returning({ id: telnyxEvents.id })).length;
    report.events = (await tx.delete(callEvents).where(inArray(callEvents.callId, ids)).returning({ id: callEvents.id })).length;
    report.recordings = (await tx.delete(recordings).where(inArray(recordings.callId, ids)).returning({ id: recordings.id })).length;
    report.calls = (await tx.delete(calls).where(inArray(calls.id, ids)).returning({ id: calls.id })).length;
  });
  return report;
}

/** SQL: the caller number column, normalized like `normalizeNumber`. */
const normalizedCaller = sql`regexp_replace(${calls.callerNumber}, '[^0-9+]', '', 'g')`;

/** Ids of a workspace's calls from this number (however it was formatted when stored). */
export async function callsFromNumber(db: Database, workspaceId: string, number: string): Promise<string[]> {
  const rows = await db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.workspaceId, workspaceId), sql`${normalizedCaller} = ${normalizeNumber(number)}`));
  return rows.map((row) => row.id);
}

/**
 * Erases a caller from a workspace: their calls (with events, recordings, audio, Telnyx events),
 * Temporal executions found by the calls' workflow ids and by the hashed `CallerNumber` search
 * attribute (only those shown to be this workspace's, by calls row or flow), unmatched Telnyx
 * events from or to the number; then writes an audit entry that names the caller by hash only.
 */
export async function eraseCaller(
  deps: ErasureDeps & { callerHashKey: Buffer },
  workspaceId: string,
  number: string,
  actor = 'system',
): Promise<CallerErasureReport> {
  const callerHash = callerNumberHash(deps.callerHashKey, number);
  const callIds = await callsFromNumber(deps.db, workspaceId, number);
  // Executions Temporal knows by the hash, whether or not a calls row still points at them. The hash
  // is the same in every workspace, so each one must be shown to be this workspace's: by its calls
  // row, or (its row already gone) by its FlowId search attribute naming one of this workspace's
  // flows. Anything else (another workspace's, or unprovable) is left alone.
  const found = new Map<string, string | undefined>();
  for await (const execution of deps.temporal.workflow.list({ query: `${CallerNumberKey.name} = '${callerHash}'` })) {
    found.set(execution.workflowId, execution.typedSearchAttributes.get(FlowIdKey));
  }
  const ids = [...found.keys()];
  const owners = await workflowOwners(deps.db, ids);
  const flowIds = [...new Set([...found.values()].filter((id): id is string => !!id && /^[0-9a-f-]{36}$/i.test(id)))];
  const ourFlows = flowIds.length
    ? new Set((await deps.db.select({ id: flows.id }).from(flows).where(and(eq(flows.workspaceId, workspaceId), inArray(flows.id, flowIds)))).map((row) => row.id))
    : new Set<string>();
  const ours = ids.filter((id) => (owners.has(id) ? owners.get(id) === workspaceId : ourFlows.has(found.get(id) ?? '')));
  const report = await eraseCalls(deps, workspaceId, callIds, ours);
  const normalized = normalizeNumber(number);
  const payloadNumber = (field: 'from' | 'to') => sql`regexp_replace(coalesce(${telnyxEvents.data}->'payload'->>${field}, ''), '[^0-9+]', '', 'g')`;
  report.telnyxEvents += (
    await deps.db
      .delete(telnyxEvents)
      .where(and(eq(telnyxEvents.workspaceId, workspaceId), isNull(telnyxEvents.callId), or(sql`${payloadNumber('from')} = ${normalized}`, sql`${payloadNumber('to')} = ${normalized}`)))
      .returning({ id: telnyxEvents.id })
  ).length;
  // The do-not-call list (table do_not_call) is left alone on purpose: it holds the numbers of
  // callers who opted out, which must be kept to honour the opt-out (docs/privacy.md).
  await audit(deps.db, { workspaceId, actor, action: 'caller.erased', target: `callerHash:${callerHash}`, details: { ...report } });
  return { ...report, callerHash };
}

/** Calls of a workspace that started before `cutoff` and have ended (a live call is never cut off). */
export async function expiredCalls(db: Database, workspaceId: string, cutoff: Date, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ id: calls.id })
    .from(calls)
    .where(and(eq(calls.workspaceId, workspaceId), lt(calls.startedAt, cutoff), sql`(${calls.endedAt} is not null or ${calls.status} in ('completed', 'failed'))`))
    .limit(limit);
  return rows.map((row) => row.id);
}
