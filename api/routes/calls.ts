import type { Client } from '@temporalio/client';
import { and, asc, desc, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { callEvents, calls, recordings } from '../../db/schema';
import { getStateQuery } from '../../workflows/definitions';
import { notFound, parse } from '../errors';
import { e164 } from '../phone-numbers';
import { startCall } from '../start-call';

export const startCallBody = z.object({
  roomName: z.string().trim().min(1, 'Name the LiveKit room the caller is in').max(128),
  calledNumber: e164,
  callerNumber: e164.optional(),
  callId: z.string().trim().min(1).max(128).optional(),
  media: z
    .object({
      waitForCallerMs: z.number().int().min(100).max(600_000).optional(),
      scheduleToStartTimeoutMs: z.number().int().min(500).max(600_000).optional(),
      heartbeatTimeoutMs: z.number().int().min(500).max(600_000).optional(),
      maxReattach: z.number().int().min(0).max(20).optional(),
      /** How long the call waits for a media worker with room before it is refused (default MEDIA_ADMISSION_WAIT_MS). */
      admissionWaitMs: z.number().int().min(500).max(600_000).optional(),
      recoveryPrompt: z.string().trim().min(1).max(300).optional(),
    })
    .optional(),
});
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: z.enum(['ringing', 'active', 'completed', 'failed']).optional(),
});

/** The Temporal UI page of a call's workflow. */
export const temporalLinker = (temporalUiUrl: string, namespace: string) => (workflowId: string) =>
  `${temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;

/** How long `GET /api/calls/:id` waits for a live call's variables from its workflow. */
const VARIABLES_QUERY_TIMEOUT_MS = 1500;

export function callRoutes(db: Database, temporal: Client, workspaceId: () => string, temporalUiUrl: string, namespace: string, callerHashKey: Buffer): Router {
  const router = Router();
  const temporalLink = temporalLinker(temporalUiUrl, namespace);

  /** Starts the flow for a caller already in (or about to join) a LiveKit room. */
  router.post('/calls', async (request, response) => {
    const body = parse(startCallBody, request.body);
    const result = await startCall(db, temporal, workspaceId(), body, { callerHashKey });
    response.status(result.started ? 201 : 200).json({ ...result, temporalUrl: temporalLink(result.workflowId) });
  });

  router.get('/calls', async (request, response) => {
    const query = parse(listQuery, request.query, 'query');
    const rows = await db
      .select()
      .from(calls)
      .where(and(eq(calls.workspaceId, workspaceId()), query.status ? eq(calls.status, query.status) : undefined))
      .orderBy(desc(calls.startedAt))
      .limit(query.limit);
    response.json(rows.map((row) => ({ ...row, temporalUrl: temporalLink(row.workflowId) })));
  });

  router.get('/calls/:callId', async (request, response) => {
    const [call] = await db
      .select()
      .from(calls)
      .where(and(eq(calls.id, request.params.callId), eq(calls.workspaceId, workspaceId())));
    if (!call) throw notFound('Call');
    const [events, callRecordings] = await Promise.all([
      db.select().from(callEvents).where(eq(callEvents.callId, call.id)).orderBy(asc(callEvents.seq)),
      db
        .select({ id: recordings.id, kind: recordings.kind, nodeId: recordings.nodeId, durationMs: recordings.durationMs, createdAt: recordings.createdAt })
        .from(recordings)
        .where(eq(recordings.callId, call.id))
        .orderBy(asc(recordings.createdAt)),
    ]);
    // Variables: an ended call recorded them in its callEnded event; a live one is asked.
    const ended = events.find((event) => event.type === 'callEnded');
    let variables: Record<string, string> | null = (ended?.data.variables as Record<string, string> | undefined) ?? null;
    if (!variables && !call.endedAt) {
      // A deadline on the gRPC call itself: nothing is left running when no worker answers.
      const state = await temporal
        .withDeadline(Date.now() + VARIABLES_QUERY_TIMEOUT_MS, () => temporal.workflow.getHandle(call.workflowId).query(getStateQuery))
        .catch(() => null);
      variables = state?.variables ?? null;
    }
    response.json({ ...call, temporalUrl: temporalLink(call.workflowId), events, variables, recordings: callRecordings });
  });

  return router;
}
