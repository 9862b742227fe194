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
import type { Database } from '../../db/client';
import { flows, flowVersions, phoneTriggers } from '../../db/schema';
import { HttpError, notFound, parse } from '../errors';
import { launchCall } from '../start-call';

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
    return { flow, versionId: null, version: 0, graph: validation.flow };
  }
  const [row] = await db
    .select()
    .from(flowVersions)
    .where(and(eq(flowVersions.flowId, flow.id), eq(flowVersions.version, version)));
  if (!row) throw notFound(`Version ${version}`);
  return { flow, versionId: row.id, version: row.version, graph: row.graph as RunnableFlow };
}

export function testCallRoutes(db: Database, temporal: Client, workspaceId: () => string, liveKit: TestCallLiveKit | undefined): Router {
  const router = Router();

  /**
   * Starts a test call: a new room, the call workflow in it, and a token for the browser to join
   * that room as the caller.
   */
  router.post('/flows/:flowId/test-calls', async (request, response) => {
    const flowId = parse(z.uuid({ message: 'must be a UUID' }), request.params.flowId, 'params');
    const body = parse(testCallBody, request.body ?? {});
    if (!liveKit) throw new HttpError(503, 'testCallsUnavailable', 'Test calls need LiveKit, and this API was started without its settings');
    const workspace = workspaceId();
    const target = await testCallFlow(db, workspace, flowId, body.version);
    // The flow's first number, when it has one: `call.called` and business hours behave as for a real call.
    const [trigger] = await db
      .select({ id: phoneTriggers.id, phoneNumber: phoneTriggers.phoneNumber })
      .from(phoneTriggers)
      .where(and(eq(phoneTriggers.flowId, flowId), eq(phoneTriggers.workspaceId, workspace)))
      .orderBy(desc(phoneTriggers.enabled), asc(phoneTriggers.createdAt))
      .limit(1);
    const id = `test-${randomUUID()}`;
    const started = await launchCall(db, temporal, workspace, {
      callId: id,
      roomName: id,
      flowId,
      flowName: target.flow.name,
      versionId: target.versionId,
      version: target.version,
      flow: target.graph,
      ...(trigger ? { calledNumber: trigger.phoneNumber, triggerId: trigger.id } : {}),
    });
    // The browser is the caller: it may publish its microphone and send DTMF (data).
    const grant = new AccessToken(liveKit.apiKey, liveKit.apiSecret, { identity: `builder-${randomUUID().slice(0, 8)}`, ttl: TOKEN_TTL_SECONDS });
    grant.addGrant({ room: id, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    const token = await grant.toJwt();
    response.status(201).json({
      callId: started.callId,
      workflowId: started.workflowId,
      roomName: id,
      version: target.versionId ? target.version : 'draft',
      calledNumber: trigger?.phoneNumber ?? null,
      liveKitUrl: liveKit.publicUrl,
      token,
    });
  });

  return router;
}
