/**
 * The shapes of API answers that the web app reads, as zod schemas. The API types what it sends
 * with the inferred types, api/openapi.ts documents each route's answer with the schema, and the
 * web app imports the types from here instead of copying them. The browser bundles this file, so
 * it imports zod and nothing else (eslint.config.js holds it to that).
 */
import { z } from 'zod';

/** Names the schemas in the OpenAPI document (`#/components/schemas/<id>`). */
export const apiResponses = z.registry<{ id: string }>();

const named = <T extends z.ZodType>(id: string, schema: T): T => {
  apiResponses.add(schema, { id });
  return schema;
};

/** An instant as an ISO 8601 string (`2026-01-31T09:30:00.000Z`). */
const isoTime = z.string().meta({ format: 'date-time' });

/** Lifecycle of a call (the `calls.status` column). */
export const callStatus = named('CallStatus', z.enum(['ringing', 'active', 'completed', 'failed']));
export type CallStatus = z.infer<typeof callStatus>;

/** One thing that happened in a call, as `GET /api/calls/:id` lists it. */
export const callEvent = named(
  'CallEvent',
  z.object({
    seq: z.number().meta({ description: 'Position in the call (1, 2, …).' }),
    type: z.string().meta({ description: 'e.g. `nodeEntered`, `digit`, `callerSaid` (docs/events.md).' }),
    nodeId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    occurredAt: isoTime,
  }),
);
export type CallEvent = z.infer<typeof callEvent>;

/** A call event on the live stream: a stored event with its global `id`, resumable from. */
export const liveCallEvent = named('LiveCallEvent', callEvent.extend({ id: z.number(), callId: z.string() }));
export type LiveCallEvent = z.infer<typeof liveCallEvent>;

/** The call's row when the event was read (its state may already be later than the event). */
export const liveCallSummary = named(
  'LiveCallSummary',
  z.object({
    id: z.string(),
    status: callStatus,
    callerNumber: z.string().nullable(),
    calledNumber: z.string().nullable(),
    flowId: z.string().nullable(),
    flowName: z.string().nullable(),
    flowVersion: z.number().nullable(),
    currentNodeId: z.string().nullable(),
    endReason: z.string().nullable(),
    startedAt: isoTime,
    answeredAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
  }),
);
export type LiveCallSummary = z.infer<typeof liveCallSummary>;

/** One message on the `/api/live` WebSocket (docs/events.md). */
export const liveMessage = named(
  'LiveMessage',
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('ready'), after: z.number().meta({ description: 'The event id the stream resumes after.' }) }),
    z.object({ type: z.literal('event'), event: liveCallEvent, call: liveCallSummary }),
  ]),
);
export type LiveMessage = z.infer<typeof liveMessage>;
export type LiveEventMessage = Extract<LiveMessage, { type: 'event' }>;

/** One row of `GET /api/call-history`. */
export const callHistoryRow = named(
  'CallHistoryRow',
  z.object({
    id: z.string(),
    startedAt: isoTime,
    answeredAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    durationMs: z.number().meta({ description: 'How long the call lasted; a call still going: until now.' }),
    callerNumber: z.string().nullable(),
    calledNumber: z.string().nullable(),
    flowId: z.string().nullable(),
    flowName: z.string().nullable(),
    flowVersion: z.number().nullable(),
    status: callStatus,
    endReason: z.string().nullable(),
    lastNodeId: z.string().nullable(),
    workflowId: z.string(),
    temporalUrl: z.string().meta({ description: "The call's workflow in the Temporal UI." }),
    test: z.boolean().meta({ description: 'A test call or test run from the builder.' }),
  }),
);
export type CallHistoryRow = z.infer<typeof callHistoryRow>;

/** `GET /api/call-history`: a page of calls and how many match the filters. */
export const callHistoryPage = named('CallHistoryPage', z.object({ calls: z.array(callHistoryRow), total: z.number(), limit: z.number(), offset: z.number() }));
export type CallHistoryPage = z.infer<typeof callHistoryPage>;

/** `GET /api/call-stats`. */
export const callStats = named(
  'CallStats',
  z.object({
    calls: z.number(),
    live: z.number(),
    ended: z.number(),
    completed: z.number(),
    callerHungUp: z.number(),
    completionRate: z.number().nullable().meta({ description: 'Share of ended calls the flow itself finished (end reason `completed`); null when none ended.' }),
    averageDurationMs: z.number().nullable(),
    perDay: z.array(z.object({ day: z.string().meta({ description: '`YYYY-MM-DD`' }), calls: z.number(), completed: z.number(), callerHungUp: z.number() })),
    dropOff: z
      .array(
        z.object({
          flowId: z.string().nullable(),
          flowName: z.string().nullable(),
          nodeId: z.string().nullable(),
          nodeLabel: z.string().nullable(),
          nodeType: z.string().nullable(),
          hangUps: z.number(),
        }),
      )
      .meta({ description: 'Calls ended by the caller hanging up, by the last step they entered.' }),
    inputs: z.object({ digits: z.number(), speech: z.number(), callsWithDigits: z.number(), callsWithSpeech: z.number() }),
  }),
);
export type CallStats = z.infer<typeof callStats>;

/** `GET /healthz` and `/readyz`. */
export const health = named(
  'Health',
  z.object({ healthy: z.boolean(), database: z.enum(['ok', 'unreachable']), temporal: z.enum(['ok', 'unreachable']) }),
);
export type Health = z.infer<typeof health>;

/** What an erasure deleted (counts only: a report must not hold the data it deleted). */
export const erasureReport = named(
  'ErasureReport',
  z.object({
    calls: z.number(),
    events: z.number(),
    recordings: z.number(),
    telnyxEvents: z.number(),
    workflowsTerminated: z.number().meta({ description: 'Workflow executions terminated because they were still running.' }),
    workflowsDeleted: z.number().meta({ description: 'Workflow executions whose deletion Temporal accepted (it deletes them asynchronously, within about a minute).' }),
  }),
);
export type ErasureReport = z.infer<typeof erasureReport>;

/** `POST /api/privacy/erase`: what was deleted about one caller. */
export const callerErasureReport = named(
  'CallerErasureReport',
  erasureReport.extend({ callerHash: z.string().meta({ description: "The caller's keyed hash: the audit log names the caller by it, never by the number." }) }),
);
export type CallerErasureReport = z.infer<typeof callerErasureReport>;

/** One secret as the API shows it: whether it is set, where from, and its last characters. */
export const secretStatus = named(
  'SecretStatus',
  z.object({
    set: z.boolean(),
    source: z.enum(['workspace', 'environment']).nullable(),
    hint: z.string().nullable().meta({ description: 'e.g. `••••1a2b`; null when unset.' }),
  }),
);
export type SecretStatus = z.infer<typeof secretStatus>;

/** `GET/PUT /api/telnyx/credentials`. */
export const telnyxCredentialStatus = named(
  'TelnyxCredentialStatus',
  z.object({
    apiKey: secretStatus,
    publicKey: secretStatus,
    webhookUrl: z.string().meta({ description: 'Where Telnyx should send webhooks, as this request reached the API.' }),
  }),
);
export type TelnyxCredentialStatus = z.infer<typeof telnyxCredentialStatus>;

/** A number on the Telnyx account. */
export const telnyxNumber = named(
  'TelnyxNumber',
  z.object({ id: z.string(), phoneNumber: z.string(), status: z.string(), connectionId: z.string().nullable(), connectionName: z.string().nullable() }),
);
export type TelnyxNumber = z.infer<typeof telnyxNumber>;

/** A SIP connection (FQDN or credential) and whether it is set up to reach us. */
export const telnyxSipConnection = named(
  'TelnyxSipConnection',
  z.object({
    id: z.string(),
    name: z.string(),
    type: z.enum(['fqdn', 'credential']),
    active: z.boolean(),
    fqdns: z.array(z.object({ fqdn: z.string(), port: z.number().nullable() })).meta({ description: 'FQDN connections: where Telnyx sends calls (should be the LiveKit SIP host).' }),
    webhookEventUrl: z.string().nullable(),
    webhookApiVersion: z.string().nullable(),
    problems: z.array(z.string()).meta({ description: 'Plain-language set-up problems; empty when the connection looks ready.' }),
  }),
);
export type TelnyxSipConnection = z.infer<typeof telnyxSipConnection>;

/** `POST /api/telnyx/test-connection`: whether Telnyx accepts the API key. */
export const telnyxConnectionTest = named(
  'TelnyxConnectionTest',
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), baseURL: z.string() }),
    z.object({ ok: z.literal(false), baseURL: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
  ]),
);
export type TelnyxConnectionTest = z.infer<typeof telnyxConnectionTest>;

/** What a member or API key may do: viewer reads, builder also changes, owner also manages the workspace. */
export const role = named('Role', z.enum(['viewer', 'builder', 'owner']));
export type Role = z.infer<typeof role>;

/** A member of the workspace. */
export const user = named('User', z.object({ id: z.string(), email: z.string(), name: z.string(), role, workspaceId: z.string(), createdAt: isoTime }));
export type User = z.infer<typeof user>;

/** `GET /api/auth/session` (and what signing in answers). */
export const session = named(
  'Session',
  z.object({
    setupRequired: z.boolean().meta({ description: 'True until the first owner exists.' }),
    user: user.nullable().meta({ description: 'null when signed out.' }),
    workspace: z.object({ id: z.string(), name: z.string() }).optional(),
  }),
);
export type Session = z.infer<typeof session>;

/** An API key, without its secret. */
export const apiKey = named(
  'ApiKey',
  z.object({
    id: z.string(),
    name: z.string(),
    role,
    prefix: z.string().meta({ description: 'The first characters of the key, to recognize it.' }),
    createdAt: isoTime,
    lastUsedAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
  }),
);
export type ApiKey = z.infer<typeof apiKey>;

/** `POST /api/api-keys`: the new key with its secret, shown this once. */
export const createdApiKey = named('CreatedApiKey', apiKey.extend({ secret: z.string() }));
export type CreatedApiKey = z.infer<typeof createdApiKey>;

/** A provider credential as the API shows it: never the secret. */
export const credential = named(
  'Credential',
  z.object({
    provider: z.enum(['telnyx', 'telnyx-public-key', 'elevenlabs', 'openai', 'deepgram', 'llm']),
    configured: z.boolean(),
    hint: z.string().optional().meta({ description: 'The last 4 characters (`…1a2b`), when configured.' }),
    updatedBy: z.string().optional(),
    updatedAt: isoTime.optional(),
  }),
);
export type Credential = z.infer<typeof credential>;

/** One entry of the audit log. */
export const auditEntry = named(
  'AuditEntry',
  z.object({
    id: z.number(),
    workspaceId: z.string().nullable(),
    actor: z.string().meta({ description: '`user:<email>`, `apiKey:<prefix>`, `system` or `anonymous`.' }),
    action: z.string(),
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    occurredAt: isoTime,
  }),
);
export type AuditEntry = z.infer<typeof auditEntry>;

/** `GET /api/audit-log`: newest first; `nextBefore` asks for the page after. */
export const auditLogPage = named('AuditLogPage', z.object({ entries: z.array(auditEntry), nextBefore: z.number().nullable() }));
export type AuditLogPage = z.infer<typeof auditLogPage>;

/** How a what-if replay compares with the call it replays. */
export const replayOutcome = named('ReplayOutcome', z.enum(['samePath', 'differentPath', 'endedDifferently', 'couldNotReplay']));
export type ReplayOutcome = z.infer<typeof replayOutcome>;

/** One replayed call of a what-if run. */
export const whatIfCall = named(
  'WhatIfCall',
  z.object({
    callId: z.string(),
    startedAt: isoTime.nullable(),
    originalVersion: z.number().nullable().meta({ description: 'The version the call ran on.' }),
    outcome: replayOutcome,
    parted: z
      .object({ after: z.string().nullable(), original: z.string().nullable(), replay: z.string().nullable(), index: z.number() })
      .optional()
      .meta({ description: 'The last step both took, and where each went next (null: the call ended there).' }),
    reason: z.string().optional().meta({ description: 'Why the call could not be replayed.' }),
    originalPath: z.array(z.string()),
    replayPath: z.array(z.string()),
    originalEnd: z.string().nullable(),
    replayEnd: z.string().nullable(),
  }),
);
export type WhatIfCall = z.infer<typeof whatIfCall>;

/** `GET /api/flows/:flowId/what-if/:runId`: progress and report of a what-if run. */
export const whatIfReport = named(
  'WhatIfReport',
  z.object({
    runId: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    version: z.union([z.literal('draft'), z.number()]),
    total: z.number(),
    done: z.number(),
    totals: z.record(replayOutcome, z.number()),
    calls: z.array(whatIfCall),
  }),
);
export type WhatIfReport = z.infer<typeof whatIfReport>;

/** A blocked caller (`/api/do-not-call`). */
export const doNotCallEntry = named(
  'DoNotCallEntry',
  z.object({ id: z.string(), workspaceId: z.string(), phoneNumber: z.string().meta({ description: 'E.164.' }), note: z.string().nullable(), createdAt: isoTime }),
);
export type DoNotCallEntry = z.infer<typeof doNotCallEntry>;

/** An uploaded audio file for Play audio steps (`/api/assets`), stored as mono 16-bit PCM WAV. */
export const audioAsset = named(
  'AudioAsset',
  z.object({
    id: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    sampleRate: z.number(),
    durationMs: z.number(),
    sizeBytes: z.number(),
    sha256: z.string(),
    createdAt: isoTime,
  }),
);
export type AudioAsset = z.infer<typeof audioAsset>;
