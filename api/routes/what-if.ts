/**
 * What-if replays (docs/change-a-live-flow-safely.md): before publishing a change, replay recent
 * real calls of a flow against the draft (or any version) and see which would take another path.
 *
 *   POST /api/flows/:flowId/what-if          picks the calls, starts the `whatIfReplay` workflow
 *   GET  /api/flows/:flowId/what-if/:runId   progress, then the report
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { and, asc, desc, eq, gte, inArray, isNotNull, lte } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { RunnableFlow } from '@switchboard/flow-model';
import type { Database } from '../../db/client';
import { callEvents, calls, flowVersions, workspaces } from '../../db/schema';
import { FLOW_TASK_QUEUE } from '../../workflows/definitions';
import { whatIfReplay, type WhatIfInput, type WhatIfProgress } from '../../workflows/what-if';
import { HttpError, notFound, parse } from '../errors';
import type { TestRunWorker } from '../../workers/scripted-worker';
import type { ReplayOutcome } from '../../lib/contracts/api-responses';
import { compareReplay, recordedCall } from '../what-if/replay-script';
import { testCallBody, testCallFlow } from './test-calls';

const whatIfWorkflowId = (runId: string) => `what-if-${runId}`;

export const whatIfBody = z
  .object({
    version: testCallBody.shape.version,
    /** The most recent calls to replay (ended, not test calls). */
    limit: z.number().int().min(1).max(200).default(20).meta({ description: 'How many of the most recent ended calls to replay (1–200).' }),
    from: z.iso.datetime({ offset: true, message: 'from: an ISO date-time like 2026-12-01T00:00:00Z' }).optional().meta({ description: 'Only calls started at or after this time.' }),
    to: z.iso.datetime({ offset: true, message: 'to: an ISO date-time like 2026-12-05T00:00:00Z' }).optional().meta({ description: 'Only calls started at or before this time.' }),
    concurrency: z.number().int().min(1).max(8).default(4).meta({ description: 'Calls replayed at a time (1–8).' }),
  })
  .refine((body) => !body.from || !body.to || body.from <= body.to, { message: 'from must be before to', path: ['from'] });

const runIdSchema = z.uuid({ message: 'must be a UUID' });

export function whatIfRoutes(db: Database, temporal: Client, workspaceId: () => string, testRuns: TestRunWorker | undefined): Router {
  const router = Router();

  router.post('/flows/:flowId/what-if', async (request, response) => {
    const flowId = parse(z.uuid({ message: 'must be a UUID' }), request.params.flowId, 'params');
    const body = parse(whatIfBody, request.body ?? {});
    const workspace = workspaceId();
    const target = await testCallFlow(db, workspace, flowId, body.version);
    if (!testRuns) throw new HttpError(503, 'testRunsUnavailable', 'What-if replays need a Temporal worker in the API, and this API was started without one');

    const recorded = await db
      .select({ id: calls.id, callerNumber: calls.callerNumber, calledNumber: calls.calledNumber, triggerId: calls.triggerId, endReason: calls.endReason, flowVersionId: calls.flowVersionId })
      .from(calls)
      .where(
        and(
          eq(calls.workspaceId, workspace),
          eq(calls.flowId, flowId),
          eq(calls.test, false),
          isNotNull(calls.endedAt),
          ...(body.from ? [gte(calls.startedAt, new Date(body.from))] : []),
          ...(body.to ? [lte(calls.startedAt, new Date(body.to))] : []),
        ),
      )
      .orderBy(desc(calls.startedAt))
      .limit(body.limit);
    if (recorded.length === 0) throw new HttpError(422, 'noCalls', 'This flow has no ended calls in that range to replay');

    const events = await eventsOf(db, recorded.map((call) => call.id));
    const graphs = await graphsOf(db, recorded.map((call) => call.flowVersionId));
    const runId = randomUUID();
    const replays = recorded.map((call, index) => {
      const replayId = `what-if-${runId}-${index + 1}`;
      const original = recordedCall(events.get(call.id) ?? [], call.endReason, call.flowVersionId ? graphs.get(call.flowVersionId) : undefined);
      testRuns.registerReplay(replayId, original.script, { transfers: original.transfers });
      return {
        callId: call.id,
        replayId,
        ...(call.callerNumber ? { callerNumber: call.callerNumber } : {}),
        ...(call.calledNumber ? { calledNumber: call.calledNumber } : {}),
        ...(call.triggerId ? { triggerId: call.triggerId } : {}),
      };
    });
    const [settings] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspace));
    const input: WhatIfInput = {
      runId,
      workspaceId: workspace,
      flowId,
      flowName: target.flow.name,
      flowVersion: target.version,
      graph: target.graph,
      calls: replays.reverse(), // oldest first
      concurrency: body.concurrency,
      scriptedTaskQueue: testRuns.taskQueue,
      ...(settings?.settings.allowPrivateNetwork === true ? { allowPrivateNetwork: true } : {}),
    };
    try {
      await temporal.workflow.start(whatIfReplay, { taskQueue: FLOW_TASK_QUEUE, workflowId: whatIfWorkflowId(runId), args: [input] });
    } catch (error) {
      for (const replay of replays) testRuns.finishReplay(replay.replayId);
      throw error;
    }
    response.status(202).json({ runId, version: target.versionId ? target.version : 'draft', total: replays.length });
  });

  router.get('/flows/:flowId/what-if/:runId', async (request, response) => {
    const flowId = parse(z.uuid({ message: 'must be a UUID' }), request.params.flowId, 'params');
    const runId = parse(runIdSchema, request.params.runId, 'params');
    const handle = temporal.workflow.getHandle(whatIfWorkflowId(runId));
    let status: string;
    let progress: WhatIfProgress;
    try {
      const description = await handle.describe();
      status = description.status.name;
      progress = status === 'COMPLETED' ? ((await handle.result()) as WhatIfProgress) : await handle.query<WhatIfProgress>('getWhatIfProgress');
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound('What-if run');
      throw error;
    }
    if (progress.workspaceId !== workspaceId() || progress.flowId !== flowId) throw notFound('What-if run');

    const ids = progress.results.flatMap((result) => (result ? [result.callId] : []));
    const originals = ids.length
      ? await db
          .select({ id: calls.id, startedAt: calls.startedAt, endReason: calls.endReason, flowVersion: calls.flowVersion })
          .from(calls)
          .where(and(eq(calls.workspaceId, progress.workspaceId), inArray(calls.id, ids)))
      : [];
    const events = await eventsOf(db, ids);
    const totals: Record<ReplayOutcome, number> = { samePath: 0, differentPath: 0, endedDifferently: 0, couldNotReplay: 0 };
    const report = progress.results.flatMap((result) => {
      if (!result) return [];
      const call = originals.find((row) => row.id === result.callId);
      const original = recordedCall(events.get(result.callId) ?? [], call?.endReason ?? null);
      const comparison = call
        ? compareReplay(original, { ...result, ...(result.error ? { error: result.error } : {}) })
        : { outcome: 'couldNotReplay' as const, reason: 'The call has been deleted since' };
      totals[comparison.outcome]++;
      return [
        {
          callId: result.callId,
          startedAt: call?.startedAt ?? null,
          originalVersion: call?.flowVersion ?? null,
          ...comparison,
          originalPath: original.path,
          replayPath: result.path,
          originalEnd: original.endReason,
          replayEnd: result.endReason,
        },
      ];
    });
    response.json({
      runId,
      status: status === 'COMPLETED' ? 'completed' : status === 'RUNNING' ? 'running' : 'failed',
      version: progress.flowVersion === 0 ? 'draft' : progress.flowVersion,
      total: progress.total,
      done: progress.done,
      totals,
      calls: report,
    });
  });

  return router;
}

/** Events of calls, by call id, in order. */
async function eventsOf(db: Database, callIds: string[]) {
  const byCall = new Map<string, Array<{ type: string; nodeId: string | null; data: Record<string, unknown> }>>();
  if (callIds.length === 0) return byCall;
  const rows = await db
    .select({ callId: callEvents.callId, type: callEvents.type, nodeId: callEvents.nodeId, data: callEvents.data })
    .from(callEvents)
    .where(inArray(callEvents.callId, callIds))
    .orderBy(asc(callEvents.callId), asc(callEvents.seq));
  for (const row of rows) byCall.set(row.callId, [...(byCall.get(row.callId) ?? []), row]);
  return byCall;
}

/** Graphs of published versions, by version id. */
async function graphsOf(db: Database, versionIds: Array<string | null>) {
  const ids = [...new Set(versionIds.filter((id): id is string => id !== null))];
  const graphs = new Map<string, RunnableFlow>();
  if (ids.length === 0) return graphs;
  for (const row of await db.select({ id: flowVersions.id, graph: flowVersions.graph }).from(flowVersions).where(inArray(flowVersions.id, ids))) graphs.set(row.id, row.graph as RunnableFlow);
  return graphs;
}
