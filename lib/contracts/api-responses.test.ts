/** The answer schemas agree with what the server stores and sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREDENTIAL_PROVIDERS } from '../../api/auth/routes';
import { assets, CALL_STATUSES, calls, doNotCall, flows, flowVersions, phoneTriggers, recordings, ROLES, workspaces } from '../../db/schema';
import { callStatus, credential, role, type AudioAsset, type Call, type CallRecording, type DoNotCallEntry, type Flow, type FlowVersion, type PhoneTrigger, type Workspace } from './api-responses';

test('CallStatus lists exactly the statuses the calls table holds', () => {
  assert.deepEqual(callStatus.options, [...CALL_STATUSES]);
});

test('Role and the credential providers are the ones the API accepts', () => {
  assert.deepEqual(role.options, [...ROLES]);
  assert.deepEqual(credential.shape.provider.options, [...CREDENTIAL_PROVIDERS]);
});

/** A row as JSON sends it: dates become ISO strings. */
type Sent<Row> = { [K in keyof Row]: Row[K] extends Date ? string : Row[K] extends Date | null ? string | null : Row[K] };
/** Compiles only when A and B are the same type. */
const sameType = <A, B>(_proof: [A] extends [B] ? ([B] extends [A] ? true : false) : false) => undefined;

test('answers that are table rows list exactly the columns (checked by the compiler)', () => {
  sameType<DoNotCallEntry, Sent<typeof doNotCall.$inferSelect>>(true);
  sameType<AudioAsset, Sent<typeof assets.$inferSelect>>(true);
  sameType<PhoneTrigger, Sent<typeof phoneTriggers.$inferSelect>>(true);
  sameType<Workspace, Sent<typeof workspaces.$inferSelect>>(true);
  sameType<FlowVersion, Sent<typeof flowVersions.$inferSelect>>(true);
  sameType<CallRecording, Omit<Sent<typeof recordings.$inferSelect>, 'workspaceId' | 'callId'>>(true);
  // The draft is stored as the editor saved it; its type is the flow model's graph outline.
  sameType<Omit<Flow, 'draftGraph' | 'draftProblems'>, Omit<Sent<typeof flows.$inferSelect>, 'draftGraph'>>(true);
  sameType<Call, Sent<typeof calls.$inferSelect> & { temporalUrl: string }>(true);
});
