/**
 * `POST /api/livekit/webhooks`: LiveKit server's webhooks, verified with livekit-server-sdk's
 * WebhookReceiver (a JWT signed with the API secret whose `sha256` claim covers the raw body).
 * When a SIP participant joins (`participant_joined`, kind SIP), the call workflow starts for the
 * dialled number's trigger with an id derived from LiveKit's SIP call id (`sip.callID`), so a
 * redelivered webhook starts nothing new. Other events are acknowledged and ignored.
 */
import type { Client } from '@temporalio/client';
import { ParticipantInfo_Kind, type ParticipantInfo } from '@livekit/protocol';
import express, { Router } from 'express';
import { RoomServiceClient, WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { DEFAULT_WORKSPACE_ID } from '../../db/schema';
import { liveKitHttpUrl } from '../../lib/env';
import type { Logger } from '../../lib/logger';
import { HttpError } from '../errors';
import { toE164 } from '../phone-numbers';
import { startCall, toCallId, type StartCallRequest } from '../start-call';
import { callWorkflowId } from '../../workflows/definitions';
import { TRIGGER_ID_ATTRIBUTE, WORKSPACE_ID_ATTRIBUTE, type LiveKitApiAccess } from './sip-provisioning';

export const LIVEKIT_WEBHOOK_PATH = '/api/livekit/webhooks';
/** Clock skew allowed between LiveKit server and the API when checking the token's times. */
const CLOCK_TOLERANCE_SECONDS = 10;

export interface LiveKitWebhookDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  /** Without it the route answers 503 (the API was started without LiveKit access). */
  liveKit: LiveKitApiAccess | undefined;
  workspaceId?: () => string;
  /** Key of the hashed CallerNumber search attribute (docs/privacy.md). */
  callerHashKey: Buffer;
  /** Per-call media overrides (tests use short timeouts). */
  media?: StartCallRequest['media'];
  /** Called with each verified event's name and room (tests watch what LiveKit server sends). */
  onVerified?: (event: { event: string; room: string | undefined }) => void;
}

const uuid = z.uuid();
/** LiveKit SIP passes the SIP URI's user part: `14155550100` when the carrier sends no `+` (it adds one itself to match trunks). */
const withPlus = (value: string) => (/^\d{8,15}$/.test(value.trim()) ? `+${value.trim()}` : value);

/** Refuses a request WebhookReceiver did not accept, saying why; nothing is stored or started. */
function refusal(error: unknown): HttpError {
  const message = String((error as Error)?.message ?? error);
  const code = (error as { code?: string })?.code;
  if (/authorization header is empty/.test(message)) return new HttpError(401, 'missingAuthorization', 'Authorization: LiveKit webhooks carry a signed token in this header');
  if (code === 'ERR_JWT_EXPIRED' || /exp.*claim|expired/i.test(message)) return new HttpError(401, 'staleWebhook', 'Authorization: the token has expired (a stale or replayed webhook)');
  if (/sha256/.test(message)) return new HttpError(401, 'invalidSignature', 'Authorization: the token does not cover this body (altered or forged)');
  if (error instanceof SyntaxError) return new HttpError(400, 'invalidJson', `The signed body is not JSON: ${message}`);
  return new HttpError(401, 'invalidSignature', `Authorization: the token does not verify with the LiveKit API key and secret (${message})`);
}

export function liveKitWebhookRoutes(deps: LiveKitWebhookDeps): Router {
  const router = Router();
  const { liveKit } = deps;
  const receiver = liveKit && new WebhookReceiver(liveKit.apiKey, liveKit.apiSecret);
  const { admit } = sipAdmission(deps);

  router.post(LIVEKIT_WEBHOOK_PATH, express.raw({ type: () => true, limit: '1mb', inflate: false }), async (request, response) => {
    if (!receiver) throw new HttpError(503, 'liveKitNotConfigured', 'This API has no LiveKit access (LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET)');
    if (request.body !== undefined && !Buffer.isBuffer(request.body)) {
      throw new HttpError(500, 'rawBodyUnavailable', 'The LiveKit webhook route must be mounted before express.json()');
    }
    const body = (request.body as Buffer | undefined)?.toString('utf8') ?? '';
    let event: WebhookEvent;
    try {
      event = await receiver.receive(body, request.get('authorization'), false, CLOCK_TOLERANCE_SECONDS);
    } catch (error) {
      throw refusal(error);
    }

    deps.onVerified?.({ event: event.event, room: event.room?.name });
    const participant = event.participant;
    if (event.event !== 'participant_joined' || participant?.kind !== ParticipantInfo_Kind.SIP) {
      deps.logger.debug({ event: event.event, eventId: event.id }, 'livekit webhook ignored: not a SIP participant joining');
      response.json({ received: true, ignored: true, event: event.event });
      return;
    }
    const result = await admit(event.room?.name ?? '', participant);
    if ('ignored' in result) {
      deps.logger.debug({ eventId: event.id }, 'livekit webhook ignored: a SIP participant without a dispatch rule (outbound leg)');
      response.json({ received: true, ignored: true, event: event.event });
      return;
    }
    response.json({ received: true, ...result });
  });

  return router;
}

/** What admitting a SIP caller did: started its call (or found it started), or refused it. */
export type SipAdmission =
  | { ignored: true }
  | { callId: string; workflowId: string; started: boolean; rejected: boolean; screening: string | null };

/** LiveKit SIP's call id of a SIP participant, as our call id (`sip-<sip.callID>`); undefined without one. */
function sipCallIdOf(participant: ParticipantInfo): string | undefined {
  const sipCallId = participant.attributes['sip.callID']?.trim();
  return sipCallId ? toCallId(`sip-${sipCallId}`) : undefined;
}

/**
 * Admission of SIP callers, shared by the webhook and the room sweep. `admit` starts the call of a
 * SIP caller in `roomName` (LiveKit SIP put them there by a dispatch rule), for the dialled
 * number's trigger, with a workflow id from LiveKit's SIP call id: admitting the same caller again
 * starts nothing new. A caller without a dispatch rule (an outbound leg) is ignored. A call that
 * cannot run has its room closed (the phone leg hangs up); a bad participant is an HttpError 400.
 */
function sipAdmission(deps: Omit<LiveKitWebhookDeps, 'onVerified'>): { rooms: RoomServiceClient | undefined; admit(roomName: string, participant: ParticipantInfo): Promise<SipAdmission> } {
  const { liveKit } = deps;
  const rooms = liveKit && new RoomServiceClient(liveKitHttpUrl(liveKit.url), liveKit.apiKey, liveKit.apiSecret);
  const defaultWorkspace = deps.workspaceId ?? (() => DEFAULT_WORKSPACE_ID);

  /** Ends a SIP caller's call that will not run: deleting the room hangs up the phone leg. */
  // Room names are not logged: LiveKit SIP names a caller's room after their number (`call_<number>_<id>`).
  const closeRoom = (roomName: string, callId: string) =>
    rooms?.deleteRoom(roomName).catch((error: Error) => {
      // Already gone (the caller hung up first): nothing to close.
      if (!/not (exist|found)/i.test(error.message)) deps.logger.warn({ callId, err: error.message }, 'could not close the room of a refused call');
    });

  const admit = async (roomName: string, participant: ParticipantInfo): Promise<SipAdmission> => {
    const attributes = participant.attributes;
    // Only callers that came in through a dispatch rule start a call; an outbound SIP leg (a
    // transfer target, an outbound call) joining a call's room has no rule.
    if (!attributes['sip.ruleID'] && !attributes[TRIGGER_ID_ATTRIBUTE]) return { ignored: true };
    const callId = sipCallIdOf(participant);
    const called = toE164(withPlus(attributes['sip.trunkPhoneNumber'] ?? ''));
    const caller = attributes['sip.phoneNumber'] ? toE164(withPlus(attributes['sip.phoneNumber'])) : undefined;
    const problems = [
      !roomName && 'room.name: missing',
      !callId && 'participant.attributes["sip.callID"]: missing',
      !called.ok && 'participant.attributes["sip.trunkPhoneNumber"]: not a phone number',
    ].filter(Boolean);
    if (problems.length || !callId) throw new HttpError(400, 'invalidRequest', `SIP participant event: ${problems.join('; ')}`);

    const triggerId = uuid.safeParse(attributes[TRIGGER_ID_ATTRIBUTE]).data;
    const workspaceId = uuid.safeParse(attributes[WORKSPACE_ID_ATTRIBUTE]).data ?? defaultWorkspace();
    try {
      const result = await startCall(deps.db, deps.temporal, workspaceId, {
        roomName,
        calledNumber: (called as { number: string }).number,
        ...(caller?.ok ? { callerNumber: caller.number } : {}),
        callId,
        ...(triggerId ? { triggerId } : {}),
        ...(deps.media ? { media: deps.media } : {}),
      }, { callerHashKey: deps.callerHashKey });
      if (result.rejected) await closeRoom(roomName, callId);
      deps.logger.info(
        { callId, started: result.started, screening: result.screening?.result },
        result.rejected ? 'SIP call refused by a caller check' : result.started ? 'SIP call started' : 'SIP call start redelivered',
      );
      return { callId, workflowId: result.workflowId, started: result.started, rejected: result.rejected === true, screening: result.screening?.result ?? null };
    } catch (error) {
      // A concurrent copy of this webhook may have started the call while this one failed: the
      // call runs, so this is a redelivery, and its room must stay open.
      if (await callExists(deps.temporal, callId)) {
        deps.logger.info({ callId, err: (error as Error).message }, 'SIP call start redelivered (the call already runs)');
        return { callId, workflowId: callWorkflowId(callId), started: false, rejected: false, screening: null };
      }
      // The number runs nothing (no trigger, disabled, unpublished): do not leave the caller in silence.
      if (error instanceof HttpError && error.status < 500) {
        await closeRoom(roomName, callId);
        deps.logger.warn({ callId, code: error.code }, 'SIP call refused: it cannot run a flow');
      }
      throw error;
    }
  };
  return { rooms, admit };
}

/** Options of {@link startSipRoomSweep}. */
export interface SipRoomSweepOptions {
  /** How often LiveKit's rooms are looked through. */
  everyMs: number;
  /** A room younger than this is left to its webhook, which is usually on its way. */
  minAgeMs?: number;
  /** Rooms older than this are not looked at (their callers gave up long ago). */
  maxAgeMs?: number;
}

/**
 * Admits SIP callers whose `participant_joined` webhook never started their call: LiveKit sends
 * each webhook once, so a caller who arrived while the API was down, restarting or unreachable
 * would otherwise wait in silence until they hang up. Every `everyMs` it lists LiveKit's rooms;
 * in each recent room with no media worker in it, each SIP caller is admitted exactly as by the
 * webhook (a call already started is found by its workflow id and left alone).
 */
export function startSipRoomSweep(deps: Omit<LiveKitWebhookDeps, 'onVerified'>, options: SipRoomSweepOptions): { stop(): void; sweep(): Promise<number> } {
  const minAgeMs = options.minAgeMs ?? 3_000;
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const { rooms, admit } = sipAdmission(deps);
  let running: Promise<number> | undefined;

  /** One pass; resolves with the calls it started. */
  const sweep = async (): Promise<number> => {
    if (!rooms) return 0;
    let started = 0;
    const now = Date.now();
    for (const room of await rooms.listRooms()) {
      const ageMs = now - Number(room.creationTime) * 1000;
      // A caller whose call never started is alone in the room: a running call has a media worker
      // (or, after a transfer, the other party) with them. Other rooms cost no further request.
      if (ageMs < minAgeMs || ageMs > maxAgeMs || room.numParticipants !== 1) continue;
      for (const participant of await rooms.listParticipants(room.name)) {
        const callId = participant.kind === ParticipantInfo_Kind.SIP ? sipCallIdOf(participant) : undefined;
        // A call that started (waiting for a media worker, or between two) is the workflow's business.
        if (!callId || (await callExists(deps.temporal, callId))) continue;
        try {
          const result = await admit(room.name, participant);
          if (!('ignored' in result) && result.started) {
            started++;
            deps.logger.warn({ callId }, 'SIP call started by the room sweep: its webhook never started it');
          }
        } catch (error) {
          deps.logger.warn({ callId, err: (error as Error).message }, 'the room sweep could not admit a SIP caller');
        }
      }
    }
    return started;
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((error: Error) => {
        deps.logger.warn({ err: error.message }, 'the SIP room sweep failed');
        return 0;
      })
      .finally(() => (running = undefined));
  }, options.everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}

/** Whether the call's workflow was started (running or not): then a failed start was a duplicate. False when unknown. */
async function callExists(temporal: Client, callId: string): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(callWorkflowId(callId)).describe();
    return true;
  } catch {
    // Not found; or Temporal is unreachable, and the start failed for that reason: its error answers.
    return false;
  }
}
