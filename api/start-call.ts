import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { and, desc, eq } from 'drizzle-orm';
import { DEFAULT_RECORDING_CONSENT_PROMPT, triggerSettings, type TriggerSettings } from '@switchboard/flow-model';
import type { Database } from '../db/client';
import { calls, flows, flowVersions, phoneTriggers, workspaces } from '../db/schema';
import type { RunnableFlow } from '@switchboard/flow-model';
import { callFlow, type CallFlowInput } from '../workflows/call-flow';
import {
  CALL_WORKFLOW_TASK_TIMEOUT_MS,
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
import { admitCall, assertRoomFree, callIdTaken, type Screening } from './telephony/caller-checks';
import { callerNumberHash } from '../lib/privacy/caller-hash';
import { mediaAdmissionWaitMs } from '../lib/env';

/** What starting a call needs from the privacy keys: the key of the hashed CallerNumber search attribute. */
export interface CallPrivacy {
  callerHashKey: Buffer;
}

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
  /** The trigger, when the caller's SIP dispatch rule named it; otherwise found by `calledNumber`. */
  triggerId?: string;
}

export interface StartCallResult {
  callId: string;
  workflowId: string;
  /** False when the call already existed: the request was a duplicate. */
  started: boolean;
  /** True when a caller check refused the call: no workflow runs; close the caller's room. */
  rejected?: boolean;
  /** What the caller checks decided (for a duplicate, what the first start decided). */
  screening?: Screening;
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
export async function startCall(
  db: Database,
  temporal: Client,
  workspaceId: string,
  request: StartCallRequest,
  privacy: CallPrivacy,
): Promise<StartCallResult> {
  const callId = toCallId(request.callId ?? request.roomName);

  const [trigger] = await db
    .select()
    .from(phoneTriggers)
    .where(
      and(
        request.triggerId ? eq(phoneTriggers.id, request.triggerId) : eq(phoneTriggers.phoneNumber, request.calledNumber),
        eq(phoneTriggers.workspaceId, workspaceId),
      ),
    );
  if (!trigger) throw new HttpError(404, 'noTrigger', 'calledNumber: no phone trigger is set up for this number');
  if (!trigger.enabled) throw new HttpError(409, 'triggerDisabled', 'calledNumber: the phone trigger for this number is disabled');

  const [version] = await db
    .select({ id: flowVersions.id, version: flowVersions.version, graph: flowVersions.graph, flowName: flows.name })
    .from(flowVersions)
    .innerJoin(flows, eq(flows.id, flowVersions.flowId))
    .where(eq(flowVersions.flowId, trigger.flowId))
    .orderBy(desc(flowVersions.version))
    .limit(1);
  if (!version) throw new HttpError(409, 'notPublished', "The number's flow has no published version yet");

  await assertRoomFree(db, workspaceId, request.roomName);
  // Caller checks and the call row, together (see api/telephony/caller-checks.ts).
  const admission = await admitCall(db, {
    workspaceId,
    trigger,
    callerNumber: request.callerNumber,
    calledNumber: request.calledNumber,
    row: {
      id: callId,
      workspaceId,
      flowId: trigger.flowId,
      flowVersionId: version.id,
      flowVersion: version.version,
      triggerId: trigger.id,
      roomName: request.roomName,
      callerNumber: request.callerNumber ?? null,
      calledNumber: request.calledNumber,
      workflowId: callWorkflowId(callId),
    },
  });
  const { screening } = admission;
  if (admission.rejected) return { callId, workflowId: callWorkflowId(callId), started: false, rejected: true, ...(screening ? { screening } : {}) };

  const result = await launchCall(db, temporal, workspaceId, {
    callId,
    roomName: request.roomName,
    flowId: trigger.flowId,
    flowName: version.flowName,
    versionId: version.id,
    version: version.version,
    flow: version.graph,
    calledNumber: request.calledNumber,
    ...(request.callerNumber ? { callerNumber: request.callerNumber } : {}),
    triggerId: trigger.id,
    ...(request.media ? { media: request.media } : {}),
    recorded: admission.inserted,
    ...(screening ? { screening } : {}),
    redactTranscripts: trigger.settings.redactTranscripts === true,
  }, privacy);
  return { ...result, ...(screening ? { screening } : {}) };
}

/** What `launchCall` starts: one flow graph, in one room. */
export interface LaunchCallRequest {
  callId: string;
  roomName: string;
  flowId: string;
  flowName: string;
  /** The flow version row; null for a test call of the draft. */
  versionId: string | null;
  /** The version number; 0 for the draft. */
  version: number;
  flow: RunnableFlow;
  calledNumber?: string;
  callerNumber?: string;
  triggerId?: string;
  media?: CallFlowInput['media'];
  /** Test runs only: where the flow's HTTP requests are answered. */
  httpTaskQueue?: string;
  /**
   * Whether the caller checks (`admitCall`) just recorded the call row (false: it existed, so this
   * is a duplicate). Left out, launchCall records the row itself (test calls).
   */
  recorded?: boolean;
  /** What the caller checks decided, for the flow (`call.screening`). */
  screening?: Screening;
  /** Redact card numbers and SSNs in transcripts; left out, the trigger's setting (if any) decides. */
  redactTranscripts?: boolean;
  /** A test call or test run from the builder: marked, and left out of history and stats by default. */
  test?: boolean;
}

/**
 * The voice and recording settings of a call's phone trigger: phone calls and the builder's test
 * calls of a number both sound (and are recorded) as that number says. Settings were validated when
 * saved; stored settings that no longer parse are left out, not fatal.
 */
async function callSettings(db: Database, workspaceId: string, triggerId: string | undefined): Promise<TriggerSettings> {
  if (!triggerId) return {};
  const [trigger] = await db
    .select({ settings: phoneTriggers.settings })
    .from(phoneTriggers)
    .where(and(eq(phoneTriggers.id, triggerId), eq(phoneTriggers.workspaceId, workspaceId)));
  return effectiveTriggerSettings(trigger?.settings);
}

/** A trigger's stored settings as its calls use them; settings that no longer validate count as none. */
export function effectiveTriggerSettings(settings: unknown): TriggerSettings {
  const stored = { ...((settings ?? {}) as Record<string, unknown>) };
  // Settings saved before a consent prompt was required may lack one: they get the default notice.
  if (stored.recordCalls === true && !(typeof stored.recordingConsentPrompt === 'string' && stored.recordingConsentPrompt.trim())) {
    stored.recordingConsentPrompt = DEFAULT_RECORDING_CONSENT_PROMPT;
  }
  const parsed = triggerSettings.safeParse(stored);
  return parsed.success ? parsed.data : {};
}

/**
 * Records the call and starts `callFlow` for it, with an id derived from the call id, so a
 * duplicate start changes nothing. Phone calls (`startCall`) and test calls from the builder
 * (api/routes/test-calls.ts) both start here.
 */
export async function launchCall(
  db: Database,
  temporal: Client,
  workspaceId: string,
  request: LaunchCallRequest,
  privacy: CallPrivacy,
): Promise<StartCallResult> {
  const { callId } = request;
  const workflowId = callWorkflowId(callId);
  const [workspace] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.id, workspaceId));
  const settings = await callSettings(db, workspaceId, request.triggerId);
  const voice = {
    ...(settings.ttsProvider ? { ttsProvider: settings.ttsProvider } : {}),
    ...(settings.sttProvider ? { sttProvider: settings.sttProvider } : {}),
    ...(settings.language ? { language: settings.language } : {}),
    ...(settings.voice ? { voice: settings.voice } : {}),
  };
  if (request.recorded === undefined) await assertRoomFree(db, workspaceId, request.roomName);
  const inserted =
    request.recorded !== undefined
      ? request.recorded
      : (
          await db
            .insert(calls)
            .values({
              id: callId,
              workspaceId,
              flowId: request.flowId,
              flowVersionId: request.versionId,
              flowVersion: request.versionId ? request.version : null,
              triggerId: request.triggerId ?? null,
              roomName: request.roomName,
              callerNumber: request.callerNumber ?? null,
              calledNumber: request.calledNumber ?? null,
              workflowId,
              test: request.test === true,
            })
            .onConflictDoNothing({ target: calls.id })
            .returning({ id: calls.id })
        ).length > 0;
  if (!inserted && request.recorded === undefined) {
    const [existing] = await db.select({ workspaceId: calls.workspaceId }).from(calls).where(eq(calls.id, callId));
    if (existing && existing.workspaceId !== workspaceId) throw callIdTaken();
  }
  const input: CallFlowInput = {
    callId,
    workspaceId,
    roomName: request.roomName,
    flowId: request.flowId,
    flowName: request.flowName,
    flowVersion: request.version,
    // A published version goes by reference (the history's input stays readable); the draft has none.
    ...(request.versionId ? { flowVersionId: request.versionId } : { flow: request.flow }),
    ...(request.calledNumber ? { calledNumber: request.calledNumber } : {}),
    ...(request.callerNumber ? { callerNumber: request.callerNumber } : {}),
    ...(request.triggerId ? { triggerId: request.triggerId } : {}),
    allowPrivateNetwork: workspace?.settings.allowPrivateNetwork === true,
    ...((await redacts(db, workspaceId, request)) ? { redactTranscripts: true } : {}),
    media: { admissionWaitMs: mediaAdmissionWaitMs(), ...(settings.recoveryPrompt ? { recoveryPrompt: settings.recoveryPrompt } : {}), ...request.media },
    ...(request.httpTaskQueue ? { httpTaskQueue: request.httpTaskQueue } : {}),
    ...(request.screening
      ? { screening: { result: request.screening.result, action: request.screening.action, attestation: request.screening.attestation.level, attestationVerified: request.screening.attestation.verified } }
      : {}),
    ...(Object.keys(voice).length > 0 ? { voice } : {}),
    ...(settings.recordCalls ? { recording: { consentPrompt: settings.recordingConsentPrompt || DEFAULT_RECORDING_CONSENT_PROMPT } } : {}),
  };
  try {
    const handle = await temporal.workflow.start(callFlow, {
      workflowId,
      taskQueue: FLOW_TASK_QUEUE,
      args: [input],
      workflowTaskTimeout: CALL_WORKFLOW_TASK_TIMEOUT_MS,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `${request.flowName} · ${request.versionId ? `v${request.version}` : 'draft'}`,
      typedSearchAttributes: [
        { key: CallIdKey, value: callId },
        // Only a keyed hash: the number itself never reaches Temporal's visibility store.
        { key: CallerNumberKey, value: request.callerNumber ? callerNumberHash(privacy.callerHashKey, request.callerNumber) : '' },
        { key: CalledNumberKey, value: request.calledNumber ?? '' },
        { key: FlowIdKey, value: request.flowId },
        { key: FlowVersionKey, value: request.version },
        { key: CallStatusKey, value: 'ringing' },
      ],
    });
    return { callId, workflowId: handle.workflowId, started: inserted };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { callId, workflowId, started: false };
    throw error;
  }
}

/** Whether the call's transcripts are redacted: the request says so, or else its trigger's settings. */
async function redacts(db: Database, workspaceId: string, request: LaunchCallRequest): Promise<boolean> {
  if (request.redactTranscripts !== undefined) return request.redactTranscripts;
  if (!request.triggerId) return false;
  const [trigger] = await db
    .select({ settings: phoneTriggers.settings })
    .from(phoneTriggers)
    .where(and(eq(phoneTriggers.id, request.triggerId), eq(phoneTriggers.workspaceId, workspaceId)));
  return trigger?.settings.redactTranscripts === true;
}
