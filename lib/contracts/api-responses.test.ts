/** The answer schemas agree with what the server stores and sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREDENTIAL_PROVIDERS } from '../../api/auth/routes';
import { CALL_STATUSES, ROLES } from '../../db/schema';
import { callStatus, credential, role } from './api-responses';

test('CallStatus lists exactly the statuses the calls table holds', () => {
  assert.deepEqual(callStatus.options, [...CALL_STATUSES]);
});

test('Role and the credential providers are the ones the API accepts', () => {
  assert.deepEqual(role.options, [...ROLES]);
  assert.deepEqual(credential.shape.provider.options, [...CREDENTIAL_PROVIDERS]);
});
