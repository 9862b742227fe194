import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { and, desc, eq } from 'drizzle-orm';
import { DEFAULT_RECORDING_CONSENT_PROMPT, triggerSettings } from '@switchboard/flow-model';
import type { Database } from '../db/client';
import { calls, flows, flowVersions, phoneTriggers, workspaces } from '../db/schema';
import type { CallFlowInput } from '../workflows/call-flow';
import {
  CallIdKey,
  CalledNumberKey,
  CallerNumberKey,
  CallStatusKey,
  FLOW_TASK_QUEUE,
  FlowIdKey,
  FlowVersionKey,
  callWorkflowId,
} from '../workflows/definitions';
import { HttpError } from './errors';

export interface StartCallRequest {
  /** The LiveKit room the caller is (or will be) in. */
  roomName: string;
  /** The dialled number, E.164; selects the phone trigger and so the flow. */
  calledNumber: string;
  callerNumber?: string;
  /** Stable id of the call (e.g. the SIP call id); defaults to the room name. A repeat is a no-op. */
  callId?: string;
  /** Per-call overrides of the workflow's media timing (tests use short ones). */
  media?: CallFlowInput['media'];
}

export interface StartCallResult {
  callId: string;
  workflowId: string;
  /** False when the call already existed: the request was a duplicate. */
  started: boolean;
}

/** Call ids become workflow ids and URL parts: keep them plain. */
export function toCallId(raw: string): string {
  const id = raw.trim().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 128);
  if (!id) throw new HttpError(400, 'invalidRequest', 'callId: must contain letters or digits');
  return id;
}

/**
 * Starts the call workflow for a call in a room: finds the number's trigger, pins the flow's
 * latest published version, records the call and starts `callFlow` with an id derived from the
 * call id, so a duplicate start (a retried webhook) changes nothing.
 */
export async function startCall(db: Database, temporal: Client, workspaceId: string, request: StartCallRequest): Promise<StartCallResult> {
  const callId = toCallId(request.callId ?? request.roomName);
  const workflowId = callWorkflowId(callId);

  const [trigger] = await db
    .select()
    .from(phoneTriggers)
    .where(and(eq(phoneTriggers.phoneNumber, request.calledNumber), eq(phoneTriggers.workspaceId, workspaceId)));
  if (!trigger) throw new HttpError(404, 'noTrigger', 'calledNumber: no phone trigger is set up for this number');
  if (!trigger.enabled) throw new HttpError(409, 'triggerDisabled', 'calledNumber: the phone trigger for this number is disabled');

  // Settings were validated when saved; a stored value that no longer parses is left out, not fatal.
  const parsedSettings = triggerSettings.safeParse(trigger.settings ?? {});
  const settings = parsedSettings.success ? parsedSettings.data : {};
  const voice = {
    ...(settings.ttsProvider ? { ttsProvider: settings.ttsProvider } : {}),
    ...(settings.sttProvider ? { sttProvider: settings.sttProvider } : {}),
    ...(settings.language ? { language: settings.language } : {}),
    ...(settings.voice ? { voice: settings.voice } : {}),
  };

  const [workspace] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspaceId));
  const [version] = await db
    .select({ id: flowVersions.id, version: flowVersions.version, graph: flowVersions.graph, flowName: flows.name })
    .from(flowVersions)
    .innerJoin(flows, eq(flows.id, flowVersions.flowId))
    .where(eq(flowVersions.flowId, trigger.flowId))
    .orderBy(desc(flowVersions.version))
    .limit(1);
  if (!version) throw new HttpError(409, 'notPublished', "The number's flow has no published version yet");

  const inserted = await db
    .insert(calls)
    .values({
      id: callId,
      workspaceId,
      flowId: trigger.flowId,
      flowVersionId: version.id,
      flowVersion: version.version,
      triggerId: trigger.id,
      roomName: request.roomName,
      callerNumber: request.callerNumber ?? null,
      calledNumber: request.calledNumber,
      workflowId,
    })
    .onConflictDoNothing({ target: calls.id })
    .returning({ id: calls.id });

  const input: CallFlowInput = {
    callId,
    workspaceId,
    roomName: request.roomName,
    flowId: trigger.flowId,
    flowVersion: version.version,
    flow: version.graph,
    calledNumber: request.calledNumber,
    ...(request.callerNumber ? { callerNumber: request.callerNumber } : {}),
    triggerId: trigger.id,
    allowPrivateNetwork: workspace?.settings.allowPrivateNetwork === true,
    ...(request.media ? { media: request.media } : {}),
    ...(Object.keys(voice).length > 0 ? { voice } : {}),
    ...(settings.recordCalls ? { recording: { consentPrompt: settings.recordingConsentPrompt ?? DEFAULT_RECORDING_CONSENT_PROMPT } } : {}),
  };
  try {
    const handle = await temporal.workflow.start('callFlow', {
      workflowId,
      taskQueue: FLOW_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `${version.flowName} · v${version.version}`,
      typedSearchAttributes: [
        { key: CallIdKey, value: callId },
        { key: CallerNumberKey, value: request.callerNumber ?? '' },
        { key: CalledNumberKey, value: request.calledNumber },
        { key: FlowIdKey, value: trigger.flowId },
        { key: FlowVersionKey, value: version.version },
        { key: CallStatusKey, value: 'ringing' },
      ],
    });
    return { callId, workflowId: handle.workflowId, started: inserted.length > 0 };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { callId, workflowId, started: false };
    throw error;
  }
}
