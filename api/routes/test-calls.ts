/**
 * Test calls from the builder: the browser joins a new LiveKit room as the caller (microphone and
 * an on-screen keypad), and the flow's call workflow runs in it exactly as for a phone call.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { AccessToken } from 'livekit-server-sdk';
import { and, asc, desc, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { validateFlow, type RunnableFlow } from '@switchboard/flow-model';
import { unknownAssets } from './flows';
import type { Database } from '../../db/client';
import { flows, flowVersions, phoneTriggers } from '../../db/schema';
import type { CallFlowResult } from '../../workflows/call-flow';
import { HttpError, notFound, parse } from '../errors';
import { testScript, type TestRunWorker } from '../../workers/scripted-worker';
import { callEvents } from '../../db/schema';
import { launchCall, type LaunchCallRequest } from '../start-call';
import type { StartedTestCall } from '../../lib/contracts/api-responses';

/** Where browsers reach LiveKit, and the credentials tokens are signed with. */
export interface TestCallLiveKit {
  /** ws(s):// URL browsers connect to. */
  publicUrl: string;
  apiKey: string;
  apiSecret: string;
}

export const testCallBody = z.object({
  version: z
    .union([z.literal('draft'), z.number().int().positive()])
    .default('draft')
    .meta({ description: "What to call: 'draft' (the flow as drawn now) or a published version number." }),
});

/** How long a test call token may be used to join. */
const TOKEN_TTL_SECONDS = 60 * 60;

/** The graph a test call runs: the validated draft or a published version. */
export async function testCallFlow(db: Database, workspaceId: string, flowId: string, version: 'draft' | number) {
  const [flow] = await db
    .select()
    .from(flows)
    .where(and(eq(flows.id, flowId), eq(flows.workspaceId, workspaceId)));
  if (!flow) throw notFound('Flow');
  if (version === 'draft') {
    const validation = validateFlow(flow.draftGraph);
    if (!validation.ok) {
      throw new HttpError(422, 'invalidFlow', `The draft has ${validation.problems.length} problem(s); fix them before calling it`, validation.problems);
    }
    // Published versions were checked at publish; a draft may name any id, even another workspace's audio.
    const missing = await unknownAssets(db, workspaceId, validation.flow);
    if (missing.length > 0) throw new HttpError(422, 'invalidFlow', `The draft has ${missing.length} problem(s); fix them before calling it`, missing);
    return { flow, versionId: null, version: 0, graph: validation.flow };
  }
  const [row] = await db
    .select()
    .from(flowVersions)
    .where(and(eq(flowVersions.flowId, flow.id), eq(flowVersions.version, version)));
  if (!row) throw notFound(`Version ${version}`);
  return { flow, versionId: row.id, version: row.version, graph: row.graph as RunnableFlow };
}

/**
 * What a test call or test run launches: the chosen version (or the draft) in room `id`, as a call
 * to the flow's number when it has one, so `call.called`, business hours and the number's voice and
 * recording settings behave as for a real call.
 */
async function testLaunch(db: Database, workspaceId: string, flowId: string, version: 'draft' | number, id: string): Promise<LaunchCallRequest & { versionLabel: number | 'draft' }> {
  const target = await testCallFlow(db, workspaceId, flowId, version);
  const trigger = await flowNumber(db, workspaceId, flowId);
  return {
    callId: id,
    roomName: id,
    flowId,
    flowName: target.flow.name,
    versionId: target.versionId,
    version: target.version,
    flow: target.graph,
    ...(trigger ? { calledNumber: trigger.phoneNumber, triggerId: trigger.id } : {}),
    versionLabel: target.versionId ? target.version : 'draft',
    test: true,
  };
}

export const testRunBody = testScript.extend({
  version: testCallBody.shape.version,
});

/** How long a test run may take before the API gives up waiting (the flow itself has no audio to wait for). */
const TEST_RUN_TIMEOUT_MS = 60_000;

/** The flow's first number (enabled ones first): test calls run as calls to it. */
async function flowNumber(db: Database, workspaceId: string, flowId: string) {
  const [trigger] = await db
    .select({ id: phoneTriggers.id, phoneNumber: phoneTriggers.phoneNumber })
    .from(phoneTriggers)
    .where(and(eq(phoneTriggers.flowId, flowId), eq(phoneTriggers.workspaceId, workspaceId)))
    .orderBy(desc(phoneTriggers.enabled), asc(phoneTriggers.createdAt))
    .limit(1);
  return trigger;
}

export function testCallRoutes(
  db: Database,
  temporal: Client,
  workspaceId: () => string,
  liveKit: TestCallLiveKit | undefined,
  testRuns: TestRunWorker | undefined,
  /** Key of the hashed CallerNumber search attribute (docs/privacy.md). */
  callerHashKey: Buffer,
): Router {
  const router = Router();

  /**
   * Runs the flow with scripted inputs and no audio: the real call workflow, its media and HTTP
   * activities answered from the script. Answers when the run has ended, with its events.
   */
  router.post('/flows/:flowId/test-runs', async (request, response) => {
    const flowId = parse(z.uuid({ message: 'must be a UUID' }), request.params.flowId, 'params');
    const body = parse(testRunBody, request.body ?? {});
    const workspace = workspaceId();
    const id = `test-run-${randomUUID()}`;
    const { versionLabel, ...launch } = await testLaunch(db, workspace, flowId, body.version, id);
    if (!testRuns) throw new HttpError(503, 'testRunsUnavailable', 'Test runs need a Temporal worker in the API, and this API was started without one');
    testRuns.register(id, { inputs: body.inputs, httpResponses: body.httpResponses, modelAnswers: body.modelAnswers });
    let result: CallFlowResult | undefined;
    let failure: string | undefined;
    let use: ReturnType<TestRunWorker['finish']>;
    try {
      const started = await launchCall(
        db,
        temporal,
        workspace,
        { ...launch, media: { attachTaskQueue: testRuns.taskQueue, scheduleToStartTimeoutMs: 10_000 }, httpTaskQueue: testRuns.taskQueue },
        { callerHashKey },
      );
      const handle = temporal.workflow.getHandle(started.workflowId);
      result = await temporal
        .withDeadline(Date.now() + TEST_RUN_TIMEOUT_MS, () => handle.result() as Promise<CallFlowResult>)
        .catch(async (error: Error) => {
          await handle.terminate('test run timed out').catch(() => undefined);
          failure = `The run did not finish: ${error.message}`;
          return undefined;
        });
    } finally {
      use = testRuns.finish(id);
    }
    const events = await db.select().from(callEvents).where(eq(callEvents.callId, id)).orderBy(asc(callEvents.seq));
    response.status(201).json({
      callId: id,
      version: versionLabel,
      endReason: result?.endReason ?? null,
      error: failure ?? null,
      path: events.filter((event) => event.type === 'nodeEntered').map((event) => event.nodeId),
      heard: use?.heard ?? [],
      unusedInputs: use?.unusedInputs ?? 0,
      unusedHttpResponses: use?.unusedHttpResponses ?? 0,
      unusedModelAnswers: use?.unusedModelAnswers ?? 0,
      events: events.map(({ seq, type, nodeId, data, occurredAt }) => ({ seq, type, nodeId, data, occurredAt })),
    });
  });

  /**
   * Starts a test call: a new room, the call workflow in it, and a token for the browser to join
   * that room as the caller.
   */
  router.post('/flows/:flowId/test-calls', async (request, response) => {
    const flowId = parse(z.uuid({ message: 'must be a UUID' }), request.params.flowId, 'params');
    const body = parse(testCallBody, request.body ?? {});
    const workspace = workspaceId();
    const id = `test-${randomUUID()}`;
    const { versionLabel, ...launch } = await testLaunch(db, workspace, flowId, body.version, id);
    if (!liveKit) throw new HttpError(503, 'testCallsUnavailable', 'Test calls need LiveKit, and this API was started without its settings');
    const started = await launchCall(db, temporal, workspace, launch, { callerHashKey });
    // The browser is the caller: it may publish its microphone and send DTMF (data).
    const grant = new AccessToken(liveKit.apiKey, liveKit.apiSecret, { identity: `builder-${randomUUID().slice(0, 8)}`, ttl: TOKEN_TTL_SECONDS });
    grant.addGrant({ room: id, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    const token = await grant.toJwt();
    response.status(201).json({
      callId: started.callId,
      workflowId: started.workflowId,
      roomName: id,
      version: versionLabel,
      calledNumber: launch.calledNumber ?? null,
      liveKitUrl: liveKit.publicUrl,
      token,
    } satisfies StartedTestCall);
  });

  return router;
}
