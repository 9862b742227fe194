import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FlowGraphInput, FlowLayout, RunnableFlow } from '@switchboard/flow-model';

/** Every row belongs to a workspace. Until accounts exist, everything lives in the default one. */
export const DEFAULT_WORKSPACE_ID = '00000000-0000-4000-8000-000000000001';

/** Workspace-wide settings. */
export interface WorkspaceSettings {
  /** Whether httpRequest nodes may reach private and loopback addresses. */
  allowPrivateNetwork?: boolean;
  /** Days call data is kept; older calls, their events, recordings and histories are deleted (unset: kept). */
  retentionDays?: number | null;
}

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<WorkspaceSettings>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A flow and its editable draft (graph + layout). Published versions are in flow_versions. */
export const flows = pgTable(
  'flows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    draftGraph: jsonb('draft_graph').$type<FlowGraphInput>().notNull(),
    draftLayout: jsonb('draft_layout').$type<FlowLayout>().notNull().default({ nodes: {} }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('flows_workspace_idx').on(table.workspaceId)],
);

/** An immutable, validated version of a flow. Calls pin the version they started with. */
export const flowVersions = pgTable(
  'flow_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id').notNull().references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    graph: jsonb('graph').$type<RunnableFlow>().notNull(),
    layout: jsonb('layout').$type<FlowLayout>().notNull().default({ nodes: {} }),
    note: text('note'),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('flow_versions_flow_version_uq').on(table.flowId, table.version)],
);

/** A phone number (E.164) that runs a flow when called. */
export const phoneTriggers = pgTable(
  'phone_triggers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    phoneNumber: text('phone_number').notNull(),
    flowId: uuid('flow_id').notNull().references(() => flows.id, { onDelete: 'restrict' }),
    enabled: boolean('enabled').notNull().default(true),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** The LiveKit SIP inbound trunk provisioned for this trigger (null: none, e.g. disabled). */
    livekitTrunkId: text('livekit_trunk_id'),
    /** The LiveKit SIP dispatch rule that puts each call to the trunk in a room of its own. */
    livekitDispatchRuleId: text('livekit_dispatch_rule_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('phone_triggers_number_uq').on(table.phoneNumber)],
);

export const CALL_STATUSES = ['ringing', 'active', 'completed', 'failed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** One phone call; its id is the Temporal workflow id's suffix (`call-<id>`). */
export const calls = pgTable(
  'calls',
  {
    id: text('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id').references(() => flows.id, { onDelete: 'set null' }),
    flowVersionId: uuid('flow_version_id').references(() => flowVersions.id, { onDelete: 'set null' }),
    flowVersion: integer('flow_version'),
    triggerId: uuid('trigger_id').references(() => phoneTriggers.id, { onDelete: 'set null' }),
    roomName: text('room_name').notNull(),
    callerNumber: text('caller_number'),
    calledNumber: text('called_number'),
    status: text('status').$type<CallStatus>().notNull().default('ringing'),
    endReason: text('end_reason'),
    currentNodeId: text('current_node_id'),
    workflowId: text('workflow_id').notNull(),
    /** STIR/SHAKEN attestation of the caller id ('A', 'B' or 'C') as the carrier (Telnyx) reported it. */
    stirAttestation: text('stir_attestation'),
    /** Whether the carrier verified the STIR/SHAKEN signature. */
    stirVerified: boolean('stir_verified'),
    /** What the caller checks decided at call start (see api/telephony/caller-checks.ts); null: not screened. */
    screening: jsonb('screening').$type<Record<string, unknown>>(),
    /** A test call or scripted test run from the builder: left out of call history and stats unless asked for. */
    test: boolean('test').notNull().default(false),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (table) => [
    index('calls_workspace_started_idx').on(table.workspaceId, table.startedAt),
    index('calls_caller_idx').on(table.callerNumber),
    index('calls_room_idx').on(table.roomName),
    index('calls_workspace_status_idx').on(table.workspaceId, table.status),
  ],
);

/** What happened in a call, in order. `seq` is assigned by the workflow, so a retried write is a no-op. */
export const callEvents = pgTable(
  'call_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    callId: text('call_id').notNull().references(() => calls.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    nodeId: text('node_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [
    uniqueIndex('call_events_call_seq_uq').on(table.callId, table.seq),
    // Live clients read a workspace's events after an id (docs/events.md).
    index('call_events_workspace_id_idx').on(table.workspaceId, table.id),
  ],
);

/** An uploaded audio file that `play` nodes use; the audio is in the blob store under assets/<id>.wav. */
export const assets = pgTable(
  'assets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    sampleRate: integer('sample_rate').notNull(),
    durationMs: integer('duration_ms').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('assets_workspace_idx').on(table.workspaceId)],
);

/** A recording made in a call (a voicemail); the audio is in the blob store under recordings/<id>.wav. */
export const recordings = pgTable(
  'recordings',
  {
    id: text('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    callId: text('call_id').notNull().references(() => calls.id, { onDelete: 'cascade' }),
    nodeId: text('node_id'),
    kind: text('kind').$type<'voicemail' | 'call'>().notNull(),
    durationMs: integer('duration_ms').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('recordings_call_idx').on(table.callId)],
);

/**
 * Every Telnyx call event we accepted, once each: the primary key is Telnyx's event id, so a
 * redelivery is a no-op. `call_id` is the matched `calls` row (null until one matches; see
 * README.md "Matching"). Proposed for db/schema.ts with a migration; lives here until then.
 */
export const telnyxEvents = pgTable(
  'telnyx_events',
  {
    id: text('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    callId: text('call_id').references(() => calls.id, { onDelete: 'set null' }),
    eventType: text('event_type').notNull(),
    callSessionId: text('call_session_id'),
    callLegId: text('call_leg_id'),
    callControlId: text('call_control_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** The event's `data` object as Telnyx sent it (contains phone numbers: personal data). */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  },
  (table) => [index('telnyx_events_session_idx').on(table.callSessionId), index('telnyx_events_call_idx').on(table.callId)],
);

/**
 * A workspace's block / do-not-call list: calls from these numbers (E.164) are refused or routed,
 * as the trigger's `callerChecks.doNotCall.action` says (default: refused).
 */
export const doNotCall = pgTable(
  'do_not_call',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    phoneNumber: text('phone_number').notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('do_not_call_workspace_number_uq').on(table.workspaceId, table.phoneNumber)],
);

// ---- Accounts and access (issue 8) ----------------------------------------------------------

export const ROLES = ['viewer', 'builder', 'owner'] as const;
/** viewer reads; builder also edits flows, numbers and publishes; owner also manages members, API keys and credentials. */
export type Role = (typeof ROLES)[number];

/** A person who signs in. A user belongs to one workspace, with one role in it. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    /**
     * Lower-cased; the sign-in name, unique within a workspace. The same address may have an account
     * in several workspaces (each with its own password), so adding a member never tells an owner
     * whether the address is in use elsewhere.
     */
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** argon2id (PHC string). */
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('users_workspace_email_uq').on(table.workspaceId, table.email), index('users_email_idx').on(table.email)],
);

/** A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here. */
export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 (hex) of the session token. */
    id: text('id').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

/** A key for automation: `Authorization: Bearer sb_…`. Only the SHA-256 of the secret is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    /** The first characters of the key, shown in lists so a key can be recognised. */
    prefix: text('prefix').notNull(),
    /** SHA-256 (hex) of the whole key. */
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('api_keys_secret_hash_uq').on(table.secretHash), index('api_keys_workspace_idx').on(table.workspaceId)],
);

/** A provider secret (e.g. the Telnyx API key), AES-256-GCM encrypted with SWITCHBOARD_SECRET_KEY. */
export const credentials = pgTable(
  'credentials',
  {
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    /** `v1.<iv>.<tag>.<ciphertext>` (base64url); see api/auth/secrets.ts. */
    ciphertext: text('ciphertext').notNull(),
    /** The last 4 characters, the only part ever shown again. */
    hint: text('hint').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('credentials_workspace_provider_uq').on(table.workspaceId, table.provider)],
);

/** Sensitive actions, newest last: who did what to what (see api/audit.ts). */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Null for events with no workspace (a sign-in failure for an unknown email). */
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    /** `user:<email>`, `apiKey:<prefix>`, `system` or `anonymous`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('audit_log_workspace_idx').on(table.workspaceId, table.id)],
);
