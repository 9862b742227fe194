/**
 * The shapes of API answers that the web app reads, as zod schemas. The API types what it sends
 * with the inferred types, api/openapi.ts documents each route's answer with the schema, and the
 * web app imports the types from here instead of copying them. The browser bundles this file, so
 * it imports zod and packages/ only (eslint.config.js holds it to that). Flow graphs, layouts,
 * problems and import reports are flow-model shapes: their types are the flow model's own.
 */
import { z } from 'zod';
import { flowGraphSchema, flowLayoutSchema, type FlowProblem, type RunnableFlow, type StudioImportResult } from '@switchboard/flow-model';

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

/** A call as `GET /api/calls` lists it: its row and its Temporal UI link. */
export const call = named(
  'Call',
  z.object({
    id: z.string(),
    workspaceId: z.string(),
    flowId: z.string().nullable(),
    flowVersionId: z.string().nullable(),
    flowVersion: z.number().nullable(),
    triggerId: z.string().nullable(),
    roomName: z.string(),
    callerNumber: z.string().nullable(),
    calledNumber: z.string().nullable(),
    status: callStatus,
    endReason: z.string().nullable(),
    currentNodeId: z.string().nullable(),
    workflowId: z.string(),
    stirAttestation: z.string().nullable().meta({ description: "STIR/SHAKEN attestation of the caller id (`A`, `B` or `C`) as the carrier reported it." }),
    stirVerified: z.boolean().nullable(),
    screening: z.record(z.string(), z.unknown()).nullable().meta({ description: 'What the caller checks decided at call start; null: not screened.' }),
    test: z.boolean().meta({ description: 'A test call or test run from the builder.' }),
    startedAt: isoTime,
    answeredAt: isoTime.nullable(),
    endedAt: isoTime.nullable(),
    temporalUrl: z.string().meta({ description: "The call's workflow in the Temporal UI." }),
  }),
);
export type Call = z.infer<typeof call>;

/** A recording made in a call (today: voicemails). */
export const callRecording = named(
  'CallRecording',
  z.object({ id: z.string(), kind: z.enum(['voicemail', 'call']), nodeId: z.string().nullable(), durationMs: z.number(), createdAt: isoTime }),
);
export type CallRecording = z.infer<typeof callRecording>;

/** `GET /api/calls/:callId`: the call with its events, variables and recordings. */
export const callDetail = named(
  'CallDetail',
  call.extend({
    events: z.array(callEvent),
    variables: z.record(z.string(), z.string()).nullable().meta({ description: "The call's variables (final ones for an ended call); null when they could not be read." }),
    recordings: z.array(callRecording),
  }),
);
export type CallDetail = z.infer<typeof callDetail>;

/** A flow graph (flow model `flowGraphSchema`); a draft's may be unfinished. */
const flowGraph = named(
  'FlowGraph',
  flowGraphSchema.meta({ description: "Nodes, the start node and the edges leaving each node's exits. A draft's graph may be unfinished: it is validated when published." }),
);
/** Where the canvas draws each node (flow model `flowLayoutSchema`). */
const flowLayout = named('FlowLayout', flowLayoutSchema.meta({ description: 'Canvas positions by node id; never read by a call.' }));

/** A problem validation found in a graph (the flow model's `FlowProblem`). */
const flowProblem = named(
  'FlowProblem',
  z.object({
    code: z.string().meta({ description: 'e.g. `unknownStart`, `invalidConfig`, `unconnectedExit`, `unknownAsset`.' }),
    message: z.string(),
    nodeId: z.string().optional(),
    field: z.string().optional().meta({ description: 'Dotted path of the setting, e.g. `options.1.digit`.' }),
    edgeIndex: z.number().optional(),
    exit: z.string().optional(),
  }),
);

/** A draft graph as the editor saves it: the runnable graph's outline, allowed to be incomplete. */
export type DraftGraph = z.output<typeof flowGraphSchema>;
/** A node as a draft stores it: possibly unfinished, validated only when published. */
export type DraftNode = DraftGraph['nodes'][number];

/** A row of `GET /api/flows`. */
export const flowSummary = named(
  'FlowSummary',
  z.object({
    id: z.string(),
    name: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
    latestVersion: z.number().nullable().meta({ description: 'Highest published version; null when never published.' }),
  }),
);
export type FlowSummary = z.infer<typeof flowSummary>;

/** `GET /api/flows/:flowId` (and what saving the draft answers): the flow, its draft and the draft's problems. */
export const flow = named(
  'Flow',
  z.object({
    id: z.string(),
    workspaceId: z.string(),
    name: z.string(),
    draftGraph: flowGraph,
    draftLayout: flowLayout,
    createdAt: isoTime,
    updatedAt: isoTime,
    draftProblems: z.array(flowProblem).meta({ description: 'Empty when the draft would publish.' }),
  }),
);
export type Flow = Omit<z.infer<typeof flow>, 'draftProblems'> & { draftProblems: FlowProblem[] };

/** A row of `GET /api/flows/:flowId/versions`. */
export const flowVersionSummary = named('FlowVersionSummary', z.object({ id: z.string(), version: z.number(), note: z.string().nullable(), publishedAt: isoTime }));
export type FlowVersionSummary = z.infer<typeof flowVersionSummary>;

/** `GET /api/flows/:flowId/versions/:version`: an immutable published version. */
export const flowVersion = named(
  'FlowVersion',
  flowVersionSummary.extend({
    workspaceId: z.string(),
    flowId: z.string(),
    graph: flowGraph,
    layout: flowLayout,
  }),
);
export type FlowVersion = Omit<z.infer<typeof flowVersion>, 'graph'> & { graph: RunnableFlow };

/** One line of a Twilio Studio import report (docs/moving-from-twilio-studio.md). */
const studioImportLine = named(
  'StudioImportLine',
  z.object({
    widget: z.string(),
    widgetType: z.string().meta({ description: 'Its Studio type, e.g. `gather-input-on-call`.' }),
    outcome: z.enum(['converted', 'merged', 'placeholder', 'skipped', 'note']),
    nodeId: z.string().optional(),
    message: z.string(),
  }),
);

/** `POST /api/flows/import`: the new flow (a draft) and what became of each Studio widget. */
export const flowImportResult = named(
  'FlowImportResult',
  z.object({
    flow,
    report: z.object({ widgets: z.number(), converted: z.number(), placeholders: z.number(), skipped: z.number(), lines: z.array(studioImportLine) }),
  }),
);
export type FlowImportResult = { flow: Flow; report: StudioImportResult['report'] };
export type ImportReportLine = StudioImportResult['report']['lines'][number];

/** A phone number (E.164) that runs a flow when called. */
export const phoneTrigger = named(
  'PhoneTrigger',
  z.object({
    id: z.string(),
    workspaceId: z.string(),
    phoneNumber: z.string(),
    flowId: z.string(),
    enabled: z.boolean(),
    settings: z.record(z.string(), z.unknown()).meta({ description: 'Voice, speech, recording, caller checks and SIP trunk settings; secrets only as `{ set, hint }`.' }),
    livekitTrunkId: z.string().nullable(),
    livekitDispatchRuleId: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  }),
);
export type PhoneTrigger = z.infer<typeof phoneTrigger>;

/** The current workspace and its settings (secrets left out). */
export const workspace = named(
  'Workspace',
  z.object({
    id: z.string(),
    name: z.string(),
    settings: z.object({
      allowPrivateNetwork: z.boolean().optional(),
      retentionDays: z.number().nullable().optional().meta({ description: 'Days call data is kept; null or absent: kept for good.' }),
    }),
    createdAt: isoTime,
  }),
);
export type Workspace = z.infer<typeof workspace>;

/** What a test call or test run runs: the draft, or a published version number. */
export const testCallVersion = named('TestCallVersion', z.union([z.literal('draft'), z.number()]));
export type TestCallVersion = z.infer<typeof testCallVersion>;

/** `POST /api/flows/:flowId/test-calls`: the room the test call runs in and a token to join it as the caller. */
export const startedTestCall = named(
  'StartedTestCall',
  z.object({
    callId: z.string(),
    workflowId: z.string(),
    roomName: z.string(),
    version: testCallVersion,
    calledNumber: z.string().nullable(),
    liveKitUrl: z.string(),
    token: z.string().meta({ description: 'A LiveKit token for this room: publish audio and data (DTMF).' }),
  }),
);
export type StartedTestCall = z.infer<typeof startedTestCall>;

/** `POST /api/flows/:flowId/test-runs`: how a scripted run went. */
export const testRunResult = named(
  'TestRunResult',
  z.object({
    callId: z.string(),
    version: testCallVersion,
    endReason: z.string().nullable(),
    error: z.string().nullable().meta({ description: 'Why the run failed or did not finish; null when it ended.' }),
    path: z.array(z.string()).meta({ description: 'The steps entered, in order (node ids).' }),
    heard: z.array(z.string()).meta({ description: 'What the caller heard, in order.' }),
    unusedInputs: z.number(),
    unusedHttpResponses: z.number(),
    unusedModelAnswers: z.number().optional(),
    events: z.array(callEvent),
  }),
);
export type TestRunResult = z.infer<typeof testRunResult>;
