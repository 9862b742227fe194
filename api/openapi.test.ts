/**
 * The API reference is generated from the route schemas: docs/openapi.json and docs/api-reference.md
 * are up to date (`npm run openapi`), valid OpenAPI 3.1, and describe exactly the routes the app mounts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { BlobStore } from '../lib/blob-store';
import { createLogger } from '../lib/logger';
import { createMetricsRegistry } from '../lib/metrics';
import { OPENAPI_FILE, REFERENCE_FILE, openApiText } from '../scripts/openapi';
import { createApp } from './app';
import { buildMarkdown, openApiPath, operations } from './openapi';
import { generatePrivacyKeys } from '../lib/privacy/keys';

test('docs/openapi.json and docs/api-reference.md are up to date (run `npm run openapi`)', () => {
  assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), openApiText(), 'docs/openapi.json is stale: run npm run openapi');
  assert.equal(readFileSync(REFERENCE_FILE, 'utf8'), buildMarkdown(), 'docs/api-reference.md is stale: run npm run openapi');
});

test('docs/openapi.json is a valid OpenAPI 3.1 document', async () => {
  const result = await new Validator().validate(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string;
}

/** Every `METHOD path` the Express app answers, found by walking its router stack. */
function mountedRoutes(stack: Layer[], prefix = ''): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${prefix}${path}`);
      }
    } else if (layer.handle?.stack) {
      found.push(...mountedRoutes(layer.handle.stack, prefix + (layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '')));
    }
  }
  return found;
}

test('every mounted route is documented, and every documented route is mounted', () => {
  // Building the app needs no live services; the routes are only listed, never called.
  const app = createApp({
    db: {} as Database,
    temporal: {} as Client,
    logger: createLogger('openapi-test', 'silent'),
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    privacy: generatePrivacyKeys(),
    blobs: {} as BlobStore,
    metrics: createMetricsRegistry('api'),
  }) as unknown as { router: { stack: Layer[] } };
  const mounted = mountedRoutes(app.router.stack).sort();
  const documented = operations.map((op) => `${op.method.toUpperCase()} ${op.path}`).sort();
  assert.ok(mounted.length >= 30, `found ${mounted.length} routes`);
  assert.deepEqual(mounted, documented);

  const spec = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  for (const op of operations) assert.ok(spec.paths[openApiPath(op.path)]?.[op.method], `${op.method} ${op.path} in openapi.json`);
});

test('request bodies and queries come from the schemas the routes validate with', () => {
  const spec = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const body = (path: string, method: string) => spec.paths[path][method].requestBody.content['application/json'].schema;
  const startCall = body('/api/calls', 'post');
  assert.deepEqual(startCall.required.sort(), ['calledNumber', 'roomName']);
  assert.equal(startCall.properties.media.properties.maxReattach.maximum, 20);
  const trigger = body('/api/phone-triggers', 'post');
  assert.deepEqual(trigger.required.sort(), ['flowId', 'phoneNumber'], 'fields with defaults are optional in requests');
  assert.equal(trigger.properties.enabled.default, true);
  const listCalls = spec.paths['/api/calls'].get.parameters as Array<{ name: string; schema: { enum?: string[]; default?: number } }>;
  assert.deepEqual(listCalls.find((p) => p.name === 'status')?.schema.enum, ['ringing', 'active', 'completed', 'failed']);
  assert.equal(listCalls.find((p) => p.name === 'limit')?.schema.default, 50);
});

test('answers the web app reads are described by the schemas it imports (lib/contracts/api-responses.ts)', () => {
  const spec = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const answer = (path: string, method: string) => spec.paths[path][method].responses['200'].content['application/json'].schema;
  assert.deepEqual(answer('/api/telnyx/numbers', 'get'), { type: 'array', items: { $ref: '#/components/schemas/TelnyxNumber' } });
  assert.deepEqual(answer('/api/privacy/erase', 'post'), { $ref: '#/components/schemas/CallerErasureReport' });
  const schemas = spec.components.schemas;
  assert.deepEqual(schemas.LiveCallSummary.properties.status, { $ref: '#/components/schemas/CallStatus' });
  assert.ok(schemas.CallerErasureReport.required.includes('callerHash'));
  assert.ok(schemas.LiveMessage, 'the /api/live messages are described too');
});
