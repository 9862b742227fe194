/**
 * The API's OpenAPI 3.1 description, generated from the zod schemas the routes validate with (the
 * same objects, imported from the route modules), plus a summary and the answers of each route; the
 * answers the web app reads have schemas too (lib/contracts/api-responses.ts, the types the web app
 * imports), listed under `components.schemas`.
 * `npm run openapi` writes docs/openapi.json and docs/api-reference.md; api/openapi.test.ts checks
 * they are up to date and that every mounted route is described.
 */
import { z } from 'zod';
import { flowGraphSchema } from '@switchboard/flow-model';
import { listQuery, startCallBody } from './routes/calls';
import { createFlowBody, draftBody, publishBody } from './routes/flows';
import { importFlowBody } from './routes/flow-import';
import { whatIfBody } from './routes/what-if';
import { triggerBody } from './routes/phone-triggers';
import { doNotCallBody } from './telephony/do-not-call-routes';
import { recordingQuery, uploadQuery } from './routes/assets';
import { workspaceBody } from './routes/workspace';
import { historyFilters } from './routes/call-history';
import { previewBody } from './routes/prompts';
import { eraseBody, numberQuery, retentionBody } from './routes/privacy';
import { codecBody } from './routes/temporal-codec';
import { addMemberBody, auditQuery, changeMemberBody, createApiKeyBody, credentialBody, setupBody, signInBody } from './auth/routes';
import { testCallBody, testRunBody } from './routes/test-calls';
import { credentialsBody } from './telnyx/credentials';
import {
  apiKey,
  apiResponses,
  call,
  callDetail,
  flow,
  flowImportResult,
  flowSummary,
  flowVersion,
  flowVersionSummary,
  phoneTrigger,
  startedTestCall,
  testRunResult,
  workspace,
  audioAsset,
  auditLogPage,
  callerErasureReport,
  callHistoryPage,
  callStats,
  createdApiKey,
  credential,
  doNotCallEntry,
  health,
  session,
  telnyxConnectionTest,
  telnyxCredentialStatus,
  telnyxNumber,
  telnyxSipConnection,
  user,
  whatIfReport,
} from '../lib/contracts/api-responses';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One route as documented. `path` is in Express form (`/api/flows/:flowId`). */
export interface Operation {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** JSON request body. */
  body?: z.ZodType;
  /** A non-JSON request body (media type → what it is). */
  rawBody?: { mediaType: string; description: string };
  query?: z.ZodObject;
  /** Descriptions of the path parameters (every `:name` in the path needs one). */
  params?: Record<string, string>;
  /** Status → what it means. Error statuses answer with the `Error` schema. */
  responses: Record<number, string>;
  /** JSON schema of the success answer: one from lib/contracts/api-responses.ts, or an array of one. */
  response?: z.ZodType;
  /** Response media type of the success answer when it is not JSON. */
  produces?: string;
  /** Callable without signing in (health, metrics, webhooks, the sign-in routes). */
  public?: boolean;
  /** Needs the owner role (the default is viewer for GET, builder for other methods). */
  owner?: boolean;
  /** A POST that only reads (the codec endpoint): viewers may call it. */
  readOnly?: boolean;
}

/** Who may call an operation, as the access middleware decides (api/auth/middleware.ts). */
export const requiredRole = (op: Operation): 'anyone' | 'viewer' | 'builder' | 'owner' => (op.public ? 'anyone' : op.owner ? 'owner' : op.method === 'get' || op.readOnly ? 'viewer' : 'builder');

const badRequest = { 400: 'Invalid request: `error.details` lists each field and what was wrong.' };
const flowId = { flowId: 'The flow id (UUID).' };
const id = (what: string) => ({ id: `The ${what} id (UUID).` });

/** Every route the API mounts. */
export const operations: Operation[] = [
  // ---- health and metrics (outside /api) ----
  { method: 'get', path: '/healthz', public: true, tag: 'Operations', summary: 'Health: whether the API reaches PostgreSQL and Temporal', response: health, responses: { 200: 'Healthy: `{ healthy, database, temporal }`.', 503: 'The database or Temporal is unreachable (same body).' } },
  { method: 'get', path: '/readyz', public: true, tag: 'Operations', summary: 'Readiness (the same checks as /healthz)', response: health, responses: { 200: 'Ready.', 503: 'Not ready.' } },
  { method: 'get', path: '/metrics', public: true, tag: 'Operations', summary: 'Prometheus metrics of the API process', produces: 'text/plain', responses: { 200: 'Prometheus text format: request durations by route, Node process metrics.' } },

  // ---- node types and flows ----
  { method: 'get', path: '/api/node-types', tag: 'Flows', summary: 'Node type declarations', description: 'Each node type with its version, label, help, exits and the JSON Schema of its settings.', responses: { 200: 'The node types.' } },
  { method: 'post', path: '/api/flows/validate', tag: 'Flows', summary: 'Validate a graph without saving it', body: z.object({ graph: flowGraphSchema }), description: 'The graph may also be sent as the whole body.', responses: { 200: '`{ ok, problems[] }`: each problem names the node and setting it is about.' } },
  { method: 'get', path: '/api/flows', tag: 'Flows', summary: 'List flows', response: z.array(flowSummary), responses: { 200: 'Flows with their latest published version.' } },
  { method: 'post', path: '/api/flows', tag: 'Flows', summary: 'Create a flow', response: flow, body: createFlowBody, description: 'Without a graph the flow starts as a single Hang up node.', responses: { 201: 'The flow with its draft and the draft\'s problems.', ...badRequest } },
  { method: 'post', path: '/api/flows/import', tag: 'Flows', summary: 'Import a Twilio Studio flow as a new draft', response: flowImportResult, body: importFlowBody, description: 'Converts a Studio flow definition (as Studio exports it, or its Flow resource with `definition`): voice widgets become steps, Liquid references become variables, widgets with no counterpart become placeholder steps that must be replaced before publishing. See docs/moving-from-twilio-studio.md.', responses: { 201: '`{ flow, report }`: the new flow with its draft problems, and the report (`widgets`, `converted`, `placeholders`, `skipped`, `lines[]` of `{ widget, widgetType, outcome, nodeId?, message }`).', 413: 'The converted flow is too large.', 422: 'Not an importable Studio flow (no incoming-call path, duplicate or missing widgets): the message says where.', ...badRequest } },
  { method: 'get', path: '/api/flows/:flowId', tag: 'Flows', summary: 'Get a flow and its draft', response: flow, params: flowId, responses: { 200: 'The flow, its draft and the draft\'s problems.', 404: 'No such flow.', ...badRequest } },
  { method: 'put', path: '/api/flows/:flowId/draft', tag: 'Flows', summary: 'Save the draft', response: flow, body: draftBody, params: flowId, description: 'A draft may be unfinished; it is validated when published.', responses: { 200: 'The saved draft and its problems.', 404: 'No such flow.', ...badRequest } },
  { method: 'post', path: '/api/flows/:flowId/versions', tag: 'Flows', summary: 'Publish the draft as the next version', response: flowVersion, body: publishBody, params: flowId, description: 'Versions are immutable; new calls use the latest one.', responses: { 201: 'The new version.', 404: 'No such flow.', 422: 'The draft cannot be published: `error.details` lists the problems.', ...badRequest } },
  { method: 'get', path: '/api/flows/:flowId/versions', tag: 'Flows', summary: 'List versions', response: z.array(flowVersionSummary), params: flowId, responses: { 200: 'Versions, newest first.', 404: 'No such flow.' } },
  { method: 'get', path: '/api/flows/:flowId/versions/:version', tag: 'Flows', summary: 'Get one version', response: flowVersion, params: { ...flowId, version: 'The version number (1, 2, …).' }, responses: { 200: 'The version with its graph and layout.', 404: 'No such flow or version.', ...badRequest } },
  { method: 'post', path: '/api/flows/:flowId/what-if', tag: 'Flows', summary: 'Replay recent real calls against the draft (or a version)', body: whatIfBody, params: flowId, description: "Picks the flow's most recent ended calls (not test calls; `limit`, `from`, `to`), reads each one's caller inputs from its events (keys, words, timeouts, voicemails, HTTP answers, transfers, hang-up) and replays them through the real call workflow on the chosen version with scripted media, a few at a time (`concurrency`), as the Temporal workflow `whatIfReplay`. Nothing is recorded as a call and no provider is used. See docs/change-a-live-flow-safely.md.", responses: { 202: '`{ runId, version, total }`: poll the run for progress and the report.', 404: 'No such flow or version.', 422: 'The draft has problems (`error.details`), or the flow has no ended calls in that range.', 503: 'The API runs without a test run worker.', ...badRequest } },
  { method: 'get', path: '/api/flows/:flowId/what-if/:runId', tag: 'Flows', summary: 'Progress and report of a what-if run', response: whatIfReport, params: { ...flowId, runId: 'The run id POST answered.' }, responses: { 200: '`{ runId, status (running|completed|failed), version, total, done, totals: { samePath, differentPath, endedDifferently, couldNotReplay }, calls[] }`; each call: `callId`, `startedAt`, `outcome`, `parted: { after, original, replay, index }` (the last step both took and where each went next), `reason` (could not replay), `originalPath`, `replayPath`, `originalEnd`, `replayEnd`.', 404: 'No such run for this flow.', ...badRequest } },
  { method: 'post', path: '/api/flows/:flowId/test-calls', tag: 'Flows', summary: 'Start a test call from a browser', response: startedTestCall, body: testCallBody, params: flowId, description: 'Creates a LiveKit room, starts the call workflow of the draft or a published version in it (as a call to the flow\'s number, if it has one) and returns a token for the browser to join as the caller (microphone, DTMF).', responses: { 201: '`{ callId, workflowId, roomName, version, calledNumber, liveKitUrl, token }`.', 404: 'No such flow or version.', 422: 'The draft has problems: `error.details` lists them.', 503: 'The API runs without LiveKit settings.', ...badRequest } },
  { method: 'post', path: '/api/flows/:flowId/test-runs', tag: 'Flows', summary: 'Run the flow with scripted inputs, without audio', response: testRunResult, body: testRunBody, params: flowId, description: 'Runs the real call workflow; each step that waits for the caller takes the next of `inputs`, each HTTP request the next of `httpResponses`, each answer of an AI agent step’s model the next of `modelAnswers` (words, `set_field` / `finish` tool calls, or an error). Answers once the run has ended.', responses: { 201: '`{ callId, version, endReason, error, path, heard, unusedInputs, unusedHttpResponses, unusedModelAnswers, events }`.', 404: 'No such flow or version.', 422: 'The draft has problems: `error.details` lists them.', 503: 'The API runs without a test run worker.', ...badRequest } },

  // ---- audio ----
  { method: 'post', path: '/api/assets', tag: 'Audio', summary: 'Upload an audio file for Play audio nodes', response: audioAsset, query: uploadQuery, rawBody: { mediaType: 'audio/wav', description: 'The WAV file (at most 25 MB); stored as mono 16-bit PCM WAV.' }, responses: { 201: 'The audio file.', 415: 'Not a WAV file this server can read, or no audio in it.', ...badRequest } },
  { method: 'get', path: '/api/assets', tag: 'Audio', summary: 'List audio files', response: z.array(audioAsset), responses: { 200: 'Audio files, newest first.' } },
  { method: 'get', path: '/api/assets/:id', tag: 'Audio', summary: 'Get an audio file\'s details', response: audioAsset, params: id('audio file'), responses: { 200: 'The audio file.', 404: 'No such audio file.', ...badRequest } },
  { method: 'get', path: '/api/assets/:id/audio', tag: 'Audio', summary: 'Download an audio file', params: id('audio file'), produces: 'audio/wav', responses: { 200: 'The WAV file.', 404: 'No such audio file.', ...badRequest } },
  { method: 'delete', path: '/api/assets/:id', tag: 'Audio', summary: 'Delete an audio file', params: id('audio file'), responses: { 204: 'Deleted.', 404: 'No such audio file.', ...badRequest } },
  { method: 'get', path: '/api/calls/:callId/recording', tag: 'Audio', summary: "Download a call's recording (both sides)", params: { callId: 'The call id.' }, query: recordingQuery, produces: 'audio/wav', description: 'Stereo 16 kHz WAV, caller left, system right. A call that moved between media workers has one part per worker; they are joined in order unless `part` picks one.', responses: { 200: 'The WAV file.', 404: 'No such call, or the call was not recorded.', ...badRequest } },
  { method: 'get', path: '/api/recordings/:id/audio', tag: 'Audio', summary: 'Download a voicemail recording', params: { id: 'The recording id.' }, produces: 'audio/wav', responses: { 200: 'The WAV file.', 404: 'No such recording.' } },
  { method: 'post', path: '/api/prompts/preview', tag: 'Audio', summary: 'Speak a prompt with a voice (builder preview)', body: previewBody, produces: 'audio/wav', description: 'A media worker synthesizes the text (through Temporal, on the shared media queue) into the prompt cache; header `x-duration-ms` gives the length.', responses: { 200: 'The WAV file.', 502: 'The voice could not speak the text (e.g. an unknown voice); the message says why.', 503: 'No media worker picked the preview up in time.', ...badRequest } },

  // ---- accounts ----
  { method: 'get', path: '/api/auth/session', public: true, tag: 'Accounts', summary: 'Who is signed in', response: session, description: 'Never 401: `{ setupRequired, user: null }` when signed out (`setupRequired` is true until the first owner exists), else `{ user, workspace }`.', responses: { 200: 'The session, or `user: null`.' } },
  { method: 'post', path: '/api/auth/setup', public: true, tag: 'Accounts', summary: 'Create the first owner (first run only)', response: session, body: setupBody, description: 'Only while no user exists: the owner of the default workspace; signs in (sets the `sb_session` cookie). Needs header `X-Requested-With: switchboard`.', responses: { 201: 'Signed in as the new owner.', 403: 'Missing the `X-Requested-With` header or a foreign Origin.', 409: 'An owner already exists.', 429: 'Too many attempts.', ...badRequest } },
  { method: 'post', path: '/api/auth/sign-in', public: true, tag: 'Accounts', summary: 'Sign in with email and password', response: session, body: signInBody, description: 'Sets the `sb_session` cookie (HttpOnly, SameSite=Lax, Secure behind https). Needs header `X-Requested-With: switchboard`. Failures are audited.', responses: { 200: 'Signed in: `{ user, workspace }`.', 401: 'Wrong email or password.', 403: 'Missing the `X-Requested-With` header or a foreign Origin.', 429: 'Too many failed sign-ins from this address.', ...badRequest } },
  { method: 'post', path: '/api/auth/sign-out', public: true, tag: 'Accounts', summary: 'Sign out', description: 'Ends the session on the server and clears the cookie.', responses: { 204: 'Signed out.', 403: 'Missing the `X-Requested-With` header.' } },
  { method: 'get', path: '/api/members', owner: true, tag: 'Accounts', summary: 'Members of the workspace', response: z.array(user), responses: { 200: 'Members with their roles.' } },
  { method: 'post', path: '/api/members', owner: true, tag: 'Accounts', summary: 'Add a member', response: user, body: addMemberBody, description: 'The owner sets a first password and tells the new member. Audited. An address may be a member of several workspaces, each account with its own password (sign-in picks the account by password); whether it has an account elsewhere is never told.', responses: { 201: 'The member.', 409: 'That email is already a member of this workspace (`alreadyMember`).', ...badRequest } },
  { method: 'patch', path: '/api/members/:id', owner: true, tag: 'Accounts', summary: 'Change a member\'s role', response: user, body: changeMemberBody, params: id('member'), description: 'Applies to their open sessions at once. Audited.', responses: { 200: 'The member.', 404: 'No such member in this workspace.', 409: 'The last owner cannot stop being one.', ...badRequest } },
  { method: 'delete', path: '/api/members/:id', owner: true, tag: 'Accounts', summary: 'Remove a member', params: id('member'), description: 'Their sessions end. Audited.', responses: { 204: 'Removed.', 404: 'No such member in this workspace.', 409: 'The last owner cannot be removed.' } },
  { method: 'get', path: '/api/api-keys', owner: true, tag: 'Accounts', summary: 'API keys (without their secrets)', response: z.array(apiKey), responses: { 200: 'Keys with name, role, prefix, last use, revocation.' } },
  { method: 'post', path: '/api/api-keys', owner: true, tag: 'Accounts', summary: 'Create an API key', response: createdApiKey, body: createApiKeyBody, description: 'The answer\'s `secret` (`sb_…`) is shown this once; only its SHA-256 is stored. Use it as `Authorization: Bearer <secret>`. Audited.', responses: { 201: 'The key and its secret.', ...badRequest } },
  { method: 'delete', path: '/api/api-keys/:id', owner: true, tag: 'Accounts', summary: 'Revoke an API key', response: apiKey, params: id('API key'), description: 'Requests with it are refused from now on. Audited.', responses: { 200: 'The revoked key.', 404: 'No such key in this workspace.', ...badRequest } },
  { method: 'get', path: '/api/credentials', owner: true, tag: 'Accounts', summary: 'Provider credentials (last 4 characters only)', response: z.array(credential), responses: { 200: '`[{ provider, configured, hint?, updatedBy?, updatedAt? }]` for telnyx, elevenlabs, openai, deepgram.' } },
  { method: 'put', path: '/api/credentials/:provider', owner: true, tag: 'Accounts', summary: 'Store a provider credential (encrypted at rest)', response: credential, body: credentialBody, params: { provider: '`telnyx`, `elevenlabs`, `openai` or `deepgram`.' }, description: 'AES-256-GCM with `SWITCHBOARD_SECRET_KEY`. The Telnyx key is used by the `/api/telnyx/*` routes instead of `TELNYX_API_KEY`. Audited.', responses: { 200: 'The credential (hint only).', ...badRequest } },
  { method: 'delete', path: '/api/credentials/:provider', owner: true, tag: 'Accounts', summary: 'Delete a provider credential', params: { provider: '`telnyx`, `elevenlabs`, `openai` or `deepgram`.' }, responses: { 204: 'Deleted.', 404: 'None stored.', ...badRequest } },
  { method: 'get', path: '/api/audit-log', owner: true, tag: 'Accounts', summary: 'The audit log, newest first', response: auditLogPage, query: auditQuery, description: 'Publishes, credential changes, role changes, members added and removed, API keys created and revoked, failed sign-ins. Page with `before=<nextBefore>`.', responses: { 200: '`{ entries[], nextBefore }`.', ...badRequest } },

  // ---- workspace ----
  { method: 'get', path: '/api/workspace', tag: 'Workspace', summary: 'The workspace and its settings', response: workspace, responses: { 200: 'The workspace.' } },
  { method: 'patch', path: '/api/workspace', tag: 'Workspace', summary: 'Change the workspace name or settings', response: workspace, body: workspaceBody, description: 'Changing `settings.allowPrivateNetwork` needs the owner role and is audited (`workspace.privateNetwork`); a deployment with `SWITCHBOARD_PRIVATE_NETWORK=never` refuses to turn it on (409).', responses: { 200: 'The updated workspace.', 409: 'The deployment forbids private network access.', ...badRequest } },

  // ---- Telnyx ----
  { method: 'post', path: '/api/telnyx/webhooks', public: true, tag: 'Telnyx', summary: 'Telnyx call webhooks', rawBody: { mediaType: 'application/json', description: 'A Telnyx webhook, signed with Ed25519 (`telnyx-signature-ed25519`, `telnyx-timestamp` headers; 300 s window). Idempotent by event id.' }, responses: { 200: 'Accepted (or a duplicate).', 400: 'Signature headers missing, or the body is not a Telnyx webhook.', 401: 'The signature does not match, or the timestamp is too old.', 503: '`TELNYX_PUBLIC_KEY` is not set.' } },
  { method: 'get', path: '/api/telnyx/numbers', tag: 'Telnyx', summary: 'The Telnyx account\'s phone numbers', response: z.array(telnyxNumber), responses: { 200: 'Numbers.', 502: 'Telnyx answered with an error.', 503: '`TELNYX_API_KEY` is not set.' } },
  { method: 'post', path: '/api/telnyx/test-connection', tag: 'Telnyx', summary: 'Check the Telnyx credentials', response: telnyxConnectionTest, responses: { 200: '`{ ok: true }`, or `{ ok: false, error }` saying why the key was refused.', 503: '`TELNYX_API_KEY` is not set.' } },
  { method: 'get', path: '/api/telnyx/connections', tag: 'Telnyx', summary: 'The Telnyx account\'s SIP connections', response: z.array(telnyxSipConnection), responses: { 200: 'Connections.', 502: 'Telnyx answered with an error.', 503: '`TELNYX_API_KEY` is not set.' } },
  { method: 'get', path: '/api/telnyx/credentials', owner: true, tag: 'Telnyx', summary: 'Whether Telnyx credentials are set (never the secrets)', response: telnyxCredentialStatus, responses: { 200: '`{ apiKey, publicKey, webhookUrl }`: each secret as `{ set, source: workspace|environment|null, hint }` (hint: the last 4 characters); the URL to give Telnyx for webhooks.' } },
  { method: 'put', path: '/api/telnyx/credentials', owner: true, tag: 'Telnyx', summary: 'Save the workspace\'s Telnyx credentials', response: telnyxCredentialStatus, body: credentialsBody, description: 'Secrets are write-only: the answer shows masked hints. Without stored credentials the environment\'s TELNYX_API_KEY / TELNYX_PUBLIC_KEY apply.', responses: { 200: 'The new status, as GET.', ...badRequest } },

  // ---- phone triggers ----
  { method: 'get', path: '/api/phone-triggers', tag: 'Phone triggers', summary: 'List phone triggers (number → flow)', response: z.array(phoneTrigger), responses: { 200: 'Phone triggers.' } },
  { method: 'post', path: '/api/phone-triggers', tag: 'Phone triggers', summary: 'Attach a flow to a phone number', body: triggerBody, responses: { 201: 'The phone trigger.', 409: 'The number already has a trigger.', ...badRequest } },
  { method: 'get', path: '/api/phone-triggers/:id', tag: 'Phone triggers', summary: 'Get a phone trigger', response: phoneTrigger, params: id('phone trigger'), responses: { 200: 'The phone trigger.', 404: 'No such phone trigger.', ...badRequest } },
  { method: 'put', path: '/api/phone-triggers/:id', tag: 'Phone triggers', summary: 'Change a phone trigger', params: id('phone trigger'), body: triggerBody, responses: { 200: 'The phone trigger.', 404: 'No such phone trigger.', 409: 'Another trigger has that number.', ...badRequest } },
  { method: 'delete', path: '/api/phone-triggers/:id', tag: 'Phone triggers', summary: 'Delete a phone trigger', params: id('phone trigger'), description: 'Its LiveKit SIP trunk and dispatch rule are removed first.', responses: { 204: 'Deleted.', 404: 'No such phone trigger.', 502: 'LiveKit could not remove the SIP trunk; the trigger was kept.', ...badRequest } },
  { method: 'post', path: '/api/phone-triggers/:id/provision', tag: 'Phone triggers', summary: 'Provision the trigger on LiveKit SIP (again)', params: id('phone trigger'), description: 'Makes LiveKit match the trigger: an inbound trunk for its number (`settings.sip`) and an individual dispatch rule; none while disabled. A no-op (`changes: []`) when they already match. Saves do this too.', responses: { 200: 'The trigger with `sip: { state, trunkId, dispatchRuleId, changes }`.', 404: 'No such phone trigger.', 502: 'LiveKit refused or could not be reached.', 503: 'The API has no LiveKit access.', ...badRequest } },

  // ---- LiveKit and caller checks ----
  { method: 'post', path: '/api/livekit/webhooks', public: true, tag: 'Telephony', summary: 'LiveKit server webhooks (SIP call start)', rawBody: { mediaType: 'application/webhook+json', description: 'A LiveKit webhook event, with `Authorization`: a JWT signed with the LiveKit API secret whose `sha256` claim covers the body. `participant_joined` of a SIP participant starts the call (`call-sip-<sip.callID>`) after the caller checks; redeliveries start nothing new.' }, responses: { 200: '`{ received, callId, workflowId, started, rejected, screening }`, or `{ received, ignored: true }` for other events.', 400: 'The body is not JSON, or a SIP join lacks `sip.callID` / `sip.trunkPhoneNumber`.', 401: 'No `Authorization`, a signature that does not verify, or an expired token.', 404: 'No phone trigger for the dialled number (the room is closed).', 409: 'The trigger is disabled or its flow is unpublished (the room is closed).', 503: 'The API has no LiveKit access.' } },
  { method: 'get', path: '/api/do-not-call', tag: 'Telephony', summary: 'The blocked callers (do-not-call) list', response: z.array(doNotCallEntry), responses: { 200: 'Entries, by number.' } },
  { method: 'post', path: '/api/do-not-call', tag: 'Telephony', summary: 'Block a caller number', response: doNotCallEntry, body: doNotCallBody, responses: { 201: 'The entry (number as E.164).', 409: 'The number is already blocked.', ...badRequest } },
  { method: 'delete', path: '/api/do-not-call/:id', tag: 'Telephony', summary: 'Unblock a caller number', params: id('do-not-call entry'), responses: { 204: 'Unblocked.', 404: 'No such entry.', ...badRequest } },

  // ---- calls ----
  { method: 'post', path: '/api/calls', tag: 'Calls', summary: 'Run a number\'s flow for a caller in a LiveKit room', body: startCallBody, description: 'Starts workflow `callFlow` with id `call-<callId>`; a repeated start with the same `callId` returns the existing call. The trigger\'s caller checks run first (`screening`); a refused caller gets no workflow (`rejected: true`).', responses: { 201: 'Started: `{ callId, workflowId, started, screening, temporalUrl }`.', 200: 'Already started (same `callId`), or refused by a caller check (`rejected: true`, `screening.result` names the check; close the room).', 404: 'No phone trigger for `calledNumber`.', 409: 'The number\'s trigger is disabled, or its flow has no published version, or the call id (or room name) is another workspace\'s call\'s (`callIdTaken`).', ...badRequest } },
  { method: 'get', path: '/api/calls', tag: 'Calls', summary: 'List calls, newest first', response: z.array(call), query: listQuery, responses: { 200: 'Calls with their Temporal UI links.', ...badRequest } },
  { method: 'get', path: '/api/calls/:callId', tag: 'Calls', summary: 'One call with its events', response: callDetail, params: { callId: 'The call id.' }, responses: { 200: 'The call, its Temporal UI link and its events in order.', 404: 'No such call.' } },
  { method: 'get', path: '/api/call-history', tag: 'Calls', summary: 'Search past and live calls (filters, server-side pages)', response: callHistoryPage, query: historyFilters, responses: { 200: 'A page of calls and the total.', ...badRequest } },
  { method: 'get', path: '/api/call-history/export.csv', tag: 'Calls', summary: 'Export the matching calls as CSV (streamed)', query: historyFilters, produces: 'text/csv', responses: { 200: 'CSV, one row per call.', ...badRequest } },
  { method: 'get', path: '/api/call-history/export.json', tag: 'Calls', summary: 'Export the matching calls as JSON (streamed)', query: historyFilters, produces: 'application/json', responses: { 200: 'A JSON array of calls.', ...badRequest } },
  { method: 'post', path: '/api/privacy/erase', owner: true, tag: 'Privacy', summary: "Erase a caller: their calls, events, transcripts, recordings and Temporal histories", response: callerErasureReport, body: eraseBody, description: 'Deletes every call from the number in this workspace with its events, recordings (audio too) and carrier events, and terminates and deletes the calls\' workflow executions (found by workflow id and by the hashed `CallerNumber` search attribute). Leaves an audit entry that names the caller by a keyed hash only.', responses: { 200: 'What was deleted: `{ calls, events, recordings, telnyxEvents, workflowsTerminated, workflowsDeleted, callerHash }`.', ...badRequest } },
  { method: 'put', path: '/api/privacy/retention', owner: true, tag: 'Privacy', summary: 'Set how long call data is kept', response: workspace, body: retentionBody, description: 'Calls that ended more than `retentionDays` days ago are deleted with their events, recordings and Temporal histories by the retention schedule; `null` keeps them for good. Stored as the workspace setting `retentionDays`. Audited.', responses: { 200: 'The workspace with its settings.', ...badRequest } },
  { method: 'get', path: '/api/privacy/export', owner: true, tag: 'Privacy', summary: "Export a caller's data (JSON)", query: numberQuery, description: 'Every call from the number with its events and recordings (download links), and unmatched carrier events. Leaves an audit entry.', responses: { 200: '`{ number, exportedAt, calls[], carrierEvents[] }`.', ...badRequest } },
  { method: 'get', path: '/api/privacy/search-attribute', owner: true, tag: 'Privacy', summary: 'The Temporal search value of a caller\'s number', query: numberQuery, description: 'The `CallerNumber` search attribute holds a keyed hash (HMAC-SHA256) of the number, never the number: this gives the value, a ready query for the Temporal UI, and a link.', responses: { 200: '`{ searchAttribute, value, query, temporalUrl }`.', ...badRequest } },
  { method: 'post', path: '/api/temporal-codec/encode', tag: 'Privacy', summary: 'Temporal codec server: encrypt payloads', body: codecBody, description: 'The Temporal UI / CLI remote codec protocol. Needs a signed-in builder or owner (encoding is how a payload is written) or an API key; session calls from this origin (the Temporal UI at /temporal/) or a separate Temporal UI\'s origin (CORS with credentials; its preflight needs none) need no CSRF header (docs/operators.md).', responses: { 200: '`{ payloads }`, encrypted.', 422: 'The payloads could not be encoded.', ...badRequest } },
  { method: 'post', path: '/api/temporal-codec/decode', readOnly: true, tag: 'Privacy', summary: 'Temporal codec server: decrypt payloads', body: codecBody, description: 'What the Temporal UI (served at /temporal/, started with `--ui-codec-endpoint /api/temporal-codec`) and `temporal workflow show --codec-endpoint … --codec-auth \'Bearer <api key>\'` call to show call histories decrypted. Needs a signed-in member (any role: viewers read histories too) or an API key; the CORS preflight of a separate Temporal UI needs none. Payloads that are not encrypted come back unchanged.', responses: { 200: '`{ payloads }`, decrypted.', 422: 'A payload is encrypted with a key this server does not have, or was changed.', ...badRequest } },
  { method: 'get', path: '/api/call-stats', tag: 'Calls', summary: 'Call statistics: calls per day, durations, completion, drop-off per step, keys versus speech', response: callStats, query: historyFilters, responses: { 200: 'The statistics.', ...badRequest } },
];

const schema = (type: z.ZodType) => z.toJSONSchema(type, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
const componentUri = (id: string) => `#/components/schemas/${id}`;

/** An answer schema and, for a list, the schema of its items (each registered by name in lib/contracts/api-responses.ts). */
function answerParts(type: z.ZodType): { list: boolean; id: string; item: z.ZodType } {
  const list = type instanceof z.ZodArray;
  const item = list ? (type.element as z.ZodType) : type;
  const id = apiResponses.get(item)?.id;
  if (!id) throw new Error('An operation\'s `response` must be a schema of lib/contracts/api-responses.ts (or an array of one)');
  return { list, id, item };
}

function answerSchema(type: z.ZodType): Record<string, unknown> {
  const { list, id } = answerParts(type);
  return list ? { type: 'array', items: { $ref: componentUri(id) } } : { $ref: componentUri(id) };
}

/** The answer schemas, each under its name, referring to each other by `$ref`. */
function answerComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(apiResponses, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12', uri: componentUri });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...json }]) => [id, json]));
}
/** `/api/flows/:flowId` → `/api/flows/{flowId}` */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const statusText: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content' };

/** The OpenAPI document. Deterministic: the same code gives the same bytes. */
/** Every route behind the access middleware may also answer 401, 403 and 429. */
function withAccessResponses(op: Operation): Record<number, string> {
  if (op.public) return op.responses;
  const role = requiredRole(op);
  return {
    ...op.responses,
    401: 'Not signed in, or the API key is unknown or revoked.',
    403: `Needs the ${role} role (or: a cookie-authenticated change without \`X-Requested-With: switchboard\`).`,
    429: 'Too many requests from this address.',
  };
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters: unknown[] = [];
    for (const [name] of op.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
      const param = name.slice(1);
      const description = op.params?.[param];
      if (!description) throw new Error(`${op.method} ${op.path}: describe path parameter ${param}`);
      parameters.push({ name: param, in: 'path', required: true, description, schema: { type: 'string' } });
    }
    if (op.query) {
      const query = schema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(query.properties ?? {})) {
        parameters.push({ name, in: 'query', required: query.required?.includes(name) ?? false, schema: property });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(withAccessResponses(op))) {
      const code = Number(status);
      responses[status] =
        code >= 400
          ? { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
          : code === 204
            ? { description }
            : { description, content: { [op.produces ?? 'application/json']: op.response ? { schema: answerSchema(op.response) } : {} } };
    }
    const operation: Record<string, unknown> = {
      operationId: `${op.method}${openApiPath(op.path).replace(/[{}]/g, '').replace(/(^|[/-])(\w)/g, (_, __, c: string) => c.toUpperCase())}`,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(op.body) } } } } : {}),
      ...(op.rawBody ? { requestBody: { required: true, description: op.rawBody.description, content: { [op.rawBody.mediaType]: {} } } } : {}),
      ...(op.public ? { security: [] } : {}),
      'x-required-role': requiredRole(op),
      responses,
    };
    (paths[openApiPath(op.path)] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: '0.1.0',
      description:
        'Programmable phone calls: flows, phone triggers, calls. JSON over HTTP; errors are `{"error": {"code", "message", "details?"}}`. Generated from the route schemas by `npm run openapi`.',
    },
    servers: [{ url: 'http://127.0.0.1:3000' }],
    security: [{ session: [] }, { apiKey: [] }],
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'sb_session', description: 'Set by POST /api/auth/sign-in. Changes also need header `X-Requested-With: switchboard` (CSRF).' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`sb_…`) from POST /api/api-keys.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'Machine-readable, e.g. `invalidRequest`, `notFound`.' },
                message: { type: 'string', description: 'For people: names what was wrong.' },
                details: { description: 'For `invalidRequest`: `[{ field, message }]`.' },
              },
            },
          },
        },
        ...answerComponents(),
      },
    },
  };
}

/** A property table of a JSON Schema object, for the Markdown reference. */
function propertyRows(json: Record<string, unknown>, prefix = ''): string[] {
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  const rows: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const type = property.type ?? (property.enum ? 'enum' : property.anyOf ? 'one of several' : 'any');
    const details = [
      property.description,
      property.enum ? `one of ${(property.enum as unknown[]).map((value) => `\`${String(value)}\``).join(', ')}` : undefined,
      property.default !== undefined ? `default \`${JSON.stringify(property.default)}\`` : undefined,
      property.minimum !== undefined || property.maximum !== undefined ? `${property.minimum ?? '…'} to ${property.maximum ?? '…'}` : undefined,
      property.maxLength !== undefined ? `at most ${String(property.maxLength)} characters` : undefined,
    ].filter(Boolean);
    rows.push(`| \`${prefix}${name}\` | ${String(type)} | ${required.has(name) ? 'yes' : ''} | ${details.join('; ').replaceAll('|', '\\|').replaceAll('\n', ' ')} |`);
    if (property.type === 'object' && property.properties) rows.push(...propertyRows(property, `${prefix}${name}.`));
  }
  return rows;
}

/** docs/api-reference.md: the same operations, for reading. */
export function buildMarkdown(): string {
  const lines = [
    '# API reference',
    '',
    '<!-- Generated by `npm run openapi` from the route schemas (api/openapi.ts); do not edit by hand. -->',
    '',
    'JSON over HTTP on the API port (3000 by default). Errors answer `{"error": {"code", "message", "details?"}}`',
    'with a fitting status; a 400 lists each field that was wrong in `details`. The machine-readable',
    'description is [openapi.json](openapi.json) (OpenAPI 3.1): load it into any OpenAPI viewer or client generator.',
    '',
    'Every route needs a caller — the `sb_session` cookie of a signed-in user, or `Authorization: Bearer <API key>` —',
    'except those marked "Who: anyone". Roles: viewer reads, builder also changes flows, numbers and calls, owner also',
    'manages members, API keys, credentials and reads the audit log. See [security](security.md).',
    '',
  ];
  for (const tag of [...new Set(operations.map((op) => op.tag))]) {
    lines.push(`## ${tag}`, '');
    for (const op of operations.filter((candidate) => candidate.tag === tag)) {
      lines.push(`### \`${op.method.toUpperCase()} ${op.path}\``, '', `${op.summary}. Who: ${requiredRole(op)}.`, '');
      if (op.description) lines.push(op.description, '');
      const params = Object.entries(op.params ?? {});
      if (params.length) lines.push('Path: ' + params.map(([name, text]) => `\`${name}\` — ${text}`).join(' '), '');
      if (op.query) lines.push('Query:', '', '| parameter | type | required | |', '| --- | --- | --- | --- |', ...propertyRows(schema(op.query)), '');
      if (op.body) lines.push('Body (JSON):', '', '| field | type | required | |', '| --- | --- | --- | --- |', ...propertyRows(schema(op.body)), '');
      if (op.rawBody) lines.push(`Body (\`${op.rawBody.mediaType}\`): ${op.rawBody.description}`, '');
      if (op.response) {
        const { list, id, item } = answerParts(op.response);
        const fields = propertyRows(z.toJSONSchema(item, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>);
        lines.push(`Answer (JSON): ${list ? 'a list of ' : ''}\`${id}\`${fields.length ? '' : ' (see openapi.json)'}`, '');
        if (fields.length) lines.push('| field | type | required | |', '| --- | --- | --- | --- |', ...fields, '');
      }
      lines.push('| status | |', '| --- | --- |', ...Object.entries(withAccessResponses(op)).map(([status, text]) => `| ${status} ${statusText[Number(status)] ?? ''} | ${text} |`), '');
    }
  }
  return lines.join('\n');
}
