/**
 * Access control against real PostgreSQL and a real Temporal dev server. The route table is not
 * written here: every route the app mounts is found by walking its router stack, and each one is
 * proved to (a) refuse unauthenticated callers, (b) neither show nor change workspace A's data to
 * an owner of workspace B, and (c) refuse changes by a viewer. Plus sessions that expire, API keys
 * that are revoked, the live WebSocket, CSRF, credentials encrypted at rest, audit and rate limits.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { createCallActivities } from '../activities/calls/activities';
import { auditLog, calls, credentials, DEFAULT_WORKSPACE_ID, sessions } from '../db/schema';
import { createLogger } from '../lib/logger';
import { signIn } from '../test/support/auth';
import { createTestDatabase } from '../test/support/database';
import { mountedRoutes } from '../test/support/routes';
import { createApp, liveWorkspaceResolver } from './app';
import { sha256 } from './auth/authenticate';
import { decryptSecret } from '../lib/secrets';
import { credentialContext } from './auth/routes';
import { attachCallEventStream, type CallEventStream } from './live/call-event-stream';
import {
  a,
  app,
  base,
  blobs,
  bodyFor,
  builderA,
  call,
  concrete,
  database,
  documentedRole,
  env,
  logger,
  markersOfA,
  ownerA,
  ownerB,
  privacy,
  PUBLIC,
  secretKey,
  server,
  snapshotA,
  startTwoWorkspaces,
  stopTwoWorkspaces,
  viewerA,
} from '../test/support/two-workspaces';

let live: CallEventStream;

before(async () => {
  await startTwoWorkspaces('access');
  live = attachCallEventStream(server, { pool: database.pool, logger, resolveWorkspace: liveWorkspaceResolver(database.db), pollIntervalMs: 60_000, fallbackPollIntervalMs: 60_000, recheckIntervalMs: 200 });
});

after(async () => {
  await live?.close();
  await stopTwoWorkspaces();
});

test('every mounted API route refuses unauthenticated callers, outsiders and viewers as it should', async (t) => {
  const routes = mountedRoutes(app).filter((route) => route.method !== 'HEAD');
  const names = routes.map((route) => `${route.method} ${route.path}`);
  assert.ok(routes.length >= 45, `found ${routes.length} routes`);
  for (const route of PUBLIC) assert.ok(names.includes(route), `public route ${route} is mounted`);
  for (const route of routes) assert.equal(documentedRole(route) === 'anyone', PUBLIC.includes(`${route.method} ${route.path}`), `${route.method} ${route.path}: public in the docs and here`);
  const guarded = routes.filter((route) => !PUBLIC.includes(`${route.method} ${route.path}`));
  t.diagnostic(`routes covered: ${routes.length} (public: ${PUBLIC.length}, guarded: ${guarded.length})`);
  for (const name of names) t.diagnostic(`route ${PUBLIC.includes(name) ? 'public ' : 'guarded'} ${name}`);

  const before = await snapshotA();
  const expiredToken = randomBytes(32).toString('base64url');
  await database.db.insert(sessions).values({ id: sha256(expiredToken), userId: ownerA.userId, expiresAt: new Date(Date.now() - 1000) });

  for (const route of guarded) {
    const name = `${route.method} ${route.path}`;
    const path = concrete(route);
    const body = bodyFor(route);
    // (a) no credentials, a made-up key, an expired session: 401 before anything runs.
    const strangers: Array<Record<string, string>> = [{}, { authorization: 'Bearer sb_not-a-key' }, { cookie: `sb_session=${expiredToken}`, 'x-requested-with': 'switchboard' }];
    for (const headers of strangers) {
      const response = await call(route.method, path, { headers, body });
      assert.equal(response.status, 401, `${name} with ${JSON.stringify(Object.keys(headers))}: ${response.text}`);
      assert.equal(response.json?.error?.code, 'unauthenticated');
    }
    // (b) the owner of workspace B, aimed at A's resources: nothing of A comes back.
    const outsider = await call(route.method, path, { headers: ownerB.headers, body });
    const sent = `${decodeURIComponent(path)} ${JSON.stringify(body ?? '')}`;
    for (const marker of markersOfA()) {
      if (sent.includes(marker)) continue; // echoing what B itself sent leaks nothing
      assert.ok(!outsider.text.includes(marker), `${name} as B answered ${outsider.status} with A's ${marker}: ${outsider.text.slice(0, 300)}`);
    }
    if (/:\w+/.test(route.path) && !route.path.startsWith('/api/credentials/')) {
      assert.ok([400, 404].includes(outsider.status), `${name} as B on A's resource: ${outsider.status} ${outsider.text.slice(0, 200)}`);
    }
    // (c) a viewer of A may read (except owner pages) and change nothing.
    const role = documentedRole(route);
    const viewer = await call(route.method, path, { headers: viewerA.headers, body });
    if (role === 'viewer') {
      assert.ok(viewer.status < 400 || viewer.status === 502 || viewer.status === 503, `${name} as a viewer: ${viewer.status} ${viewer.text.slice(0, 200)}`);
    } else {
      assert.equal(viewer.status, 403, `${name} as a viewer: ${viewer.text.slice(0, 200)}`);
      assert.equal(viewer.json?.error?.code, 'forbidden');
    }
    // Owner pages refuse builders too.
    if (role === 'owner') {
      assert.equal((await call(route.method, path, { headers: builderA.headers, body })).status, 403, `${name} as a builder`);
    }
  }
  assert.equal(await snapshotA(), before, "workspace A's data is unchanged after every request of B, viewers and strangers");
  // B's changes landed in B.
  const bFlows = await call('GET', '/api/flows', { headers: ownerB.headers });
  assert.deepEqual(bFlows.json.map((flow: { name: string }) => flow.name).sort(), ['Imported by B', 'Made by B']);
  const bAudit = (await call('GET', '/api/audit-log', { headers: ownerB.headers })).json.entries.map((entry: { action: string }) => entry.action);
  assert.ok(bAudit.includes('credential.set') && bAudit.includes('member.add') && bAudit.includes('flow.import'), `${bAudit}`);
});

test('A still sees its own data through the same routes (the scoping is not just "refuse everything")', async () => {
  const as = { headers: viewerA.headers };
  assert.ok((await call('GET', `/api/calls/${a.callId}`, as)).text.includes(a.said));
  assert.equal((await call('GET', `/api/recordings/${a.recordingId}/audio`, as)).status, 200);
  assert.equal((await call('GET', `/api/assets/${a.assetId}/audio`, as)).status, 200);
  assert.ok((await call('GET', '/api/call-history/export.csv', as)).text.includes(a.callerNumber));
  assert.equal((await call('GET', '/api/workspace', as)).json.name, a.workspaceName);
});

test('sessions: sign-in sets a secure cookie, expired sessions and sign-out are refused, failures are audited', async () => {
  const wrong = await call('POST', '/api/auth/sign-in', { headers: { 'x-requested-with': 'switchboard' }, body: { email: viewerA.email, password: 'wrong password' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.code, 'invalidCredentials');
  const [failure] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.signInFailed'));
  assert.equal(failure?.target, viewerA.email);
  assert.equal(failure?.workspaceId, DEFAULT_WORKSPACE_ID);

  const response = await fetch(`${base}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard' }, body: JSON.stringify({ email: 'VIEWER@alpha.test', password: viewerA.password }) });
  assert.equal(response.status, 200);
  const setCookie = response.headers.getSetCookie().join('\n');
  assert.match(setCookie, /sb_session=[\w-]{40,}; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
  assert.doesNotMatch(setCookie, /Secure/, 'plain http: no Secure flag');
  const behindHttps = await fetch(`${base}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ email: viewerA.email, password: viewerA.password }) });
  assert.match(behindHttps.headers.getSetCookie().join('\n'), /; Secure/);

  const cookie = setCookie.split(';')[0]!;
  const session = await call('GET', '/api/auth/session', { headers: { cookie } });
  assert.equal(session.json.user.email, viewerA.email);
  assert.equal(session.json.user.role, 'viewer');
  assert.equal((await call('GET', '/api/flows', { headers: { cookie } })).status, 200);
  // The session row holds only a hash of the cookie's token.
  const token = cookie.split('=')[1]!;
  const rows = await database.db.select().from(sessions).where(eq(sessions.id, sha256(token)));
  assert.equal(rows.length, 1);
  // Expiry is enforced by the server, whatever the browser keeps.
  await database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(sessions.id, sha256(token)));
  assert.equal((await call('GET', '/api/flows', { headers: { cookie } })).status, 401);

  const again = await signIn(base, viewerA.email, viewerA.password);
  assert.equal((await call('POST', '/api/auth/sign-out', { headers: { cookie: again, 'x-requested-with': 'switchboard' } })).status, 204);
  assert.equal((await call('GET', '/api/flows', { headers: { cookie: again } })).status, 401, 'signed out');
});

test('API keys: the secret is shown once and stored hashed; a revoked key stops working at once', async () => {
  const created = await call('POST', '/api/api-keys', { headers: ownerA.headers, body: { name: 'ci', role: 'viewer' } });
  assert.equal(created.status, 201);
  const secret = created.json.secret as string;
  assert.match(secret, /^sb_[\w-]{40,}$/);
  const stored = (await database.pool.query('select * from api_keys where id = $1', [created.json.id])).rows[0];
  assert.ok(!JSON.stringify(stored).includes(secret), 'the row holds no secret');
  assert.equal(stored.secret_hash, sha256(secret));
  const listed = await call('GET', '/api/api-keys', { headers: ownerA.headers });
  assert.ok(!listed.text.includes(secret) && listed.text.includes(secret.slice(0, 10)), 'lists show the prefix only');

  const auth = { authorization: `Bearer ${secret}` };
  assert.equal((await call('GET', '/api/flows', { headers: auth })).status, 200);
  assert.equal((await call('POST', '/api/flows', { headers: auth, body: { name: 'x' } })).status, 403, 'a viewer key cannot change things');
  assert.equal((await call('DELETE', `/api/api-keys/${created.json.id}`, { headers: ownerA.headers })).status, 200);
  const refused = await call('GET', '/api/flows', { headers: auth });
  assert.equal(refused.status, 401);
  assert.match(refused.json.error.message, /revoked/);
  const actions = (await call('GET', '/api/audit-log', { headers: ownerA.headers })).json.entries.map((entry: { action: string }) => entry.action);
  for (const action of ['apiKey.create', 'apiKey.revoke', 'credential.set', 'flow.publish']) assert.ok(actions.includes(action), `audit has ${action}: ${actions}`);
});

test('members: owners add people and change roles (audited); the last owner cannot leave; a role change applies at once', async () => {
  const added = await call('POST', '/api/members', { headers: ownerA.headers, body: { email: 'Carol@Alpha.test', name: 'Carol', password: 'carol password 1', role: 'viewer' } });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.json.email, 'carol@alpha.test');
  const again = await call('POST', '/api/members', { headers: ownerA.headers, body: { email: 'carol@alpha.test', name: 'C', password: 'carol password 1', role: 'viewer' } });
  assert.deepEqual([again.status, again.json.error.code], [409, 'alreadyMember']);
  // B's owner adding the same address learns nothing of A: B gets an account of its own, with its own password.
  const inB = await call('POST', '/api/members', { headers: ownerB.headers, body: { email: 'carol@alpha.test', name: 'Carol at B', password: 'carol password B', role: 'builder' } });
  assert.equal(inB.status, 201, inB.text);
  assert.equal(inB.json.role, 'builder');
  const session = async (password: string) =>
    (await call('GET', '/api/auth/session', { headers: { cookie: await signIn(base, 'carol@alpha.test', password) } })).json as { user: { role: string }; workspace: { id: string } };
  const atB = await session('carol password B');
  assert.deepEqual([atB.workspace.id, atB.user.role], [ownerB.workspaceId, 'builder'], 'the password picks the account: B');
  const atA = await session('carol password 1');
  assert.deepEqual([atA.workspace.id, atA.user.role], [ownerA.workspaceId, 'viewer'], 'and A');
  await assert.rejects(signIn(base, 'carol@alpha.test', 'wrong password'), /401/);
  assert.equal((await call('DELETE', `/api/members/${inB.json.id}`, { headers: ownerB.headers })).status, 204);
  const cookie = await signIn(base, 'carol@alpha.test', 'carol password 1');
  const mutate = () => call('POST', '/api/flows', { headers: { cookie, 'x-requested-with': 'switchboard', origin: base }, body: { name: 'Carol flow' } });
  assert.equal((await mutate()).status, 403);
  assert.equal((await call('PATCH', `/api/members/${added.json.id}`, { headers: ownerA.headers, body: { role: 'builder' } })).status, 200);
  assert.equal((await mutate()).status, 201, 'the new role applies to the existing session');
  // Workspace B has one owner: it cannot demote or remove itself.
  const [member] = (await call('GET', '/api/members', { headers: ownerB.headers })).json.filter((m: { role: string }) => m.role === 'owner');
  assert.equal((await call('PATCH', `/api/members/${member.id}`, { headers: ownerB.headers, body: { role: 'viewer' } })).json.error.code, 'lastOwner');
  assert.equal((await call('DELETE', `/api/members/${member.id}`, { headers: ownerB.headers })).status, 409);
  assert.equal((await call('DELETE', `/api/members/${added.json.id}`, { headers: ownerA.headers })).status, 204);
  assert.equal((await call('GET', '/api/flows', { headers: { cookie } })).status, 401, 'a removed member is signed out');
  const actions = (await call('GET', '/api/audit-log', { headers: ownerA.headers })).json.entries.map((entry: { action: string; target: string }) => `${entry.action} ${entry.target}`);
  for (const action of ['member.add carol@alpha.test', 'member.roleChange carol@alpha.test', 'member.remove carol@alpha.test']) assert.ok(actions.includes(action), `audit has ${action}`);
});

test('CSRF: cookie-authenticated changes need the app header and this origin; API keys do not', async () => {
  const cookie = await signIn(base, builderA.email, builderA.password);
  const create = (headers: Record<string, string>) => call('POST', '/api/flows', { headers, body: { name: 'csrf check' } });
  const bare = await create({ cookie });
  assert.equal(bare.status, 403);
  assert.equal(bare.json.error.code, 'csrf');
  assert.equal((await create({ cookie, 'x-requested-with': 'switchboard', origin: 'https://evil.example' })).status, 403);
  assert.equal((await create({ cookie, 'x-requested-with': 'switchboard', origin: base })).status, 201);
  assert.equal((await create({ cookie, 'x-requested-with': 'switchboard' })).status, 201, 'no Origin (same-origin GET-less clients): the header suffices');
  assert.equal((await create(builderA.headers)).status, 201, 'bearer requests are exempt');
  assert.equal((await call('GET', '/api/flows', { headers: { cookie } })).status, 200, 'reads need no header');
  // Login CSRF: a cross-site form cannot sign a browser in.
  assert.equal((await call('POST', '/api/auth/sign-in', { body: { email: builderA.email, password: builderA.password } })).status, 403);
});

test('credentials are encrypted at rest (AES-256-GCM, bound to workspace and provider) and never returned in full', async () => {
  const [row] = await database.db.select().from(credentials).where(eq(credentials.workspaceId, DEFAULT_WORKSPACE_ID));
  assert.ok(row);
  const rowText = JSON.stringify(row);
  assert.ok(!rowText.includes(a.telnyxSecret) && !rowText.includes(a.telnyxSecret.slice(0, 12)), 'no plaintext in the row');
  assert.match(row.ciphertext, /^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
  assert.equal(decryptSecret(secretKey, row.ciphertext, credentialContext(DEFAULT_WORKSPACE_ID, 'telnyx')), a.telnyxSecret);
  assert.throws(() => decryptSecret(secretKey, row.ciphertext, credentialContext(ownerB.workspaceId, 'telnyx')), 'a row copied to another workspace does not decrypt');
  assert.throws(() => decryptSecret(randomBytes(32), row.ciphertext, credentialContext(DEFAULT_WORKSPACE_ID, 'telnyx')));
  const listed = await call('GET', '/api/credentials', { headers: ownerA.headers });
  assert.ok(!listed.text.includes(a.telnyxSecret.slice(0, -4)));
  assert.deepEqual(listed.json.find((c: { provider: string }) => c.provider === 'telnyx').hint, `…${a.telnyxSecret.slice(-4)}`);
});

/** Opens /api/live; resolves with the socket once ready, or rejects with the refusal's status. */
function openLive(options: { headers?: Record<string, string>; query?: string } = {}): Promise<{ socket: WebSocket; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/live${options.query ?? ''}`, { headers: options.headers ?? {} });
    const messages: any[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      messages.push(message);
      if (message.type === 'ready') resolve({ socket, messages });
    });
    socket.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.on('error', reject);
  });
}

test('/api/live refuses unauthenticated clients and never delivers another workspace’s events', async () => {
  await assert.rejects(openLive(), /HTTP 401/);
  await assert.rejects(openLive({ headers: { authorization: 'Bearer sb_nope' } }), /HTTP 401/);
  const cookieA = await signIn(base, viewerA.email, viewerA.password);
  await assert.rejects(openLive({ headers: { cookie: cookieA, origin: 'https://evil.example' } }), /HTTP 401/, 'a cookie from a foreign page is refused');

  const [alpha, alphaByCookie, beta] = await Promise.all([
    openLive({ query: `?token=${encodeURIComponent(viewerA.apiKey)}&after=0` }),
    openLive({ headers: { cookie: cookieA, origin: base } }),
    openLive({ headers: ownerB.headers, query: '?after=0' }),
  ]);
  // B's own call, then another of A's events.
  await database.db.insert(calls).values({ id: 'call-beta-1', workspaceId: ownerB.workspaceId, roomName: 'room-beta', workflowId: 'call-call-beta-1' });
  const record = createCallActivities(database.db).recordCallEvents;
  await record({ callId: 'call-beta-1', workspaceId: ownerB.workspaceId, events: [{ seq: 1, type: 'callStarted', at: Date.now() }] });
  await record({ callId: a.callId, workspaceId: DEFAULT_WORKSPACE_ID, events: [{ seq: 3, type: 'callEnded', at: Date.now(), data: { reason: 'completed' } }] });
  const events = (client: { messages: any[] }) => client.messages.filter((m) => m.type === 'event').map((m) => `${m.event.callId}#${m.event.seq}`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (events(alpha).length < 3 || events(beta).length < 1 || events(alphaByCookie).length < 1)) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events(alpha), [`${a.callId}#1`, `${a.callId}#2`, `${a.callId}#3`]);
  assert.deepEqual(events(alphaByCookie), [`${a.callId}#3`]);
  assert.deepEqual(events(beta), ['call-beta-1#1'], 'B sees its own event and none of A’s (even from after=0)');
  for (const client of [alphaByCookie, beta]) client.socket.close();

  // Revoking a key refuses new connections with it, and closes the open ones.
  const open = await openLive({ query: `?token=${encodeURIComponent(a.apiKeySecret)}` });
  const closedWith = new Promise<number>((resolve) => open.socket.once('close', (code) => resolve(code)));
  await call('DELETE', `/api/api-keys/${a.apiKeyId}`, { headers: ownerA.headers });
  await assert.rejects(openLive({ query: `?token=${encodeURIComponent(a.apiKeySecret)}` }), /HTTP 401/);
  assert.equal(await closedWith, 4401);
  // So does a session ended on the server.
  const byCookie = await openLive({ headers: { cookie: cookieA, origin: base } });
  const cookieClosed = new Promise<number>((resolve) => byCookie.socket.once('close', (code) => resolve(code)));
  await call('POST', '/api/auth/sign-out', { headers: { cookie: cookieA, 'x-requested-with': 'switchboard' } });
  assert.equal(await cookieClosed, 4401);
  assert.equal(alpha.socket.readyState, WebSocket.OPEN, 'a connection that is still allowed stays open');
  alpha.socket.close();
});

test('security headers are set on pages and API answers', async () => {
  const response = await fetch(`${base}/api/auth/session`);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline or remote scripts');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /upgrade-insecure-requests/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
});

test('rate limits: the API and the Telnyx webhook answer 429 past their limit; failed sign-ins are limited', async () => {
  const limitedApp = createApp({ db: database.db, temporal: env.client, logger: createLogger('access-test', 'silent'), temporalUiUrl: '', namespace: 'default', blobs, privacy, secretKey, rateLimits: { api: 5, webhooks: 3, signIn: 2 } });
  const limitedServer = limitedApp.listen(0, '127.0.0.1');
  await new Promise((resolve) => limitedServer.once('listening', resolve));
  const url = `http://127.0.0.1:${(limitedServer.address() as AddressInfo).port}`;
  try {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/api/flows`, { headers: ownerA.headers })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const hooks = [];
    for (let i = 0; i < 4; i++) hooks.push((await fetch(`${url}/api/telnyx/webhooks`, { method: 'POST', body: '{}' })).status);
    assert.equal(hooks[3], 429);
    assert.ok(hooks.slice(0, 3).every((status) => status !== 429), `${hooks}`);
    const liveKitHooks = [];
    for (let i = 0; i < 4; i++) liveKitHooks.push((await fetch(`${url}/api/livekit/webhooks`, { method: 'POST', body: '{}' })).status);
    assert.deepEqual(liveKitHooks.map((status) => status === 429), [false, false, false, true], `LiveKit webhooks are limited too: ${liveKitHooks}`);
  } finally {
    limitedServer.close();
  }
  // Sign-in has its own, stricter counter of failures (here 2 per 15 minutes).
  const signInApp = createApp({ db: database.db, temporal: env.client, logger: createLogger('access-test', 'silent'), temporalUiUrl: '', namespace: 'default', blobs, privacy, secretKey, rateLimits: { signIn: 2 } });
  const signInServer = signInApp.listen(0, '127.0.0.1');
  await new Promise((resolve) => signInServer.once('listening', resolve));
  const signInUrl = `http://127.0.0.1:${(signInServer.address() as AddressInfo).port}/api/auth/sign-in`;
  try {
    const attempt = (password: string) => fetch(signInUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard' }, body: JSON.stringify({ email: viewerA.email, password }) });
    assert.equal((await attempt('wrong 1')).status, 401);
    assert.equal((await attempt('wrong 2')).status, 401);
    assert.equal((await attempt(viewerA.password)).status, 429, 'even the right password waits once the limit is reached');
  } finally {
    signInServer.close();
  }
  // …and per account, whatever the address: guesses at one account stop it alone.
  const accountApp = createApp({ db: database.db, temporal: env.client, logger: createLogger('access-test', 'silent'), temporalUiUrl: '', namespace: 'default', blobs, privacy, secretKey, rateLimits: { signIn: 100, signInPerAccount: 2 } });
  const accountServer = accountApp.listen(0, '127.0.0.1');
  await new Promise((resolve) => accountServer.once('listening', resolve));
  const accountUrl = `http://127.0.0.1:${(accountServer.address() as AddressInfo).port}/api/auth/sign-in`;
  try {
    const attempt = (email: string, password: string) => fetch(accountUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard' }, body: JSON.stringify({ email, password }) });
    assert.equal((await attempt(builderA.email, 'wrong 1')).status, 401);
    assert.equal((await attempt(builderA.email.toUpperCase(), 'wrong 2')).status, 401);
    const locked = await attempt(builderA.email, builderA.password);
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /for this account/);
    assert.equal((await attempt(ownerA.email, ownerA.password)).status, 200, 'other accounts sign in as usual');
  } finally {
    accountServer.close();
  }
});

test('first run: the owner account is created once, into the default workspace', async () => {
  const fresh = await createTestDatabase();
  const freshApp = createApp({ db: fresh.db, temporal: env.client, logger: createLogger('access-test', 'silent'), temporalUiUrl: '', namespace: 'default', blobs, privacy, secretKey });
  const freshServer = freshApp.listen(0, '127.0.0.1');
  await new Promise((resolve) => freshServer.once('listening', resolve));
  const url = `http://127.0.0.1:${(freshServer.address() as AddressInfo).port}`;
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard' }, body: JSON.stringify(body) });
  try {
    assert.deepEqual(await (await fetch(`${url}/api/auth/session`)).json(), { setupRequired: true, user: null });
    assert.equal((await fetch(`${url}/api/flows`)).status, 401);
    // DNS rebinding: a page at another name that resolves here cannot take the setup.
    const rebound = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      // fetch() cannot set Host; a rebinding browser sends the page's own name.
      const sent = httpRequest(`${url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'switchboard', host: 'evil.example:3000', origin: 'http://evil.example:3000' } }, (answer) => {
        let text = '';
        answer.on('data', (chunk) => (text += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text }));
      });
      sent.on('error', reject);
      sent.end(JSON.stringify({ email: 'evil@example.test', name: 'Evil', password: 'a good long password' }));
    });
    assert.equal(rebound.status, 403, rebound.text);
    assert.match(rebound.text, /setupHostNotAllowed/);
    const weak = await post('/api/auth/setup', { email: 'me@example.test', name: 'Me', password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(JSON.stringify(await weak.json()), /password: must be at least 10 characters/);
    const [first, second] = await Promise.all([
      post('/api/auth/setup', { email: 'me@example.test', name: 'Me', password: 'a good long password' }),
      post('/api/auth/setup', { email: 'them@example.test', name: 'Them', password: 'a good long password' }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [201, 409], 'exactly one owner is created');
    const winner = first.status === 201 ? first : second;
    const body = (await winner.json()) as { user: { role: string; workspaceId: string } };
    assert.equal(body.user.role, 'owner');
    assert.equal(body.user.workspaceId, DEFAULT_WORKSPACE_ID);
    const cookie = winner.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.equal((await fetch(`${url}/api/flows`, { headers: { cookie } })).status, 200);
    assert.equal(((await (await fetch(`${url}/api/auth/session`)).json()) as { setupRequired: boolean }).setupRequired, false);
  } finally {
    freshServer.close();
    await fresh.drop();
  }
});

test('audit-log entries of B never appear in A, and the log pages', async () => {
  const entries = (await call('GET', '/api/audit-log?limit=2', { headers: ownerA.headers })).json;
  assert.equal(entries.entries.length, 2);
  const older = (await call('GET', `/api/audit-log?limit=500&before=${entries.nextBefore}`, { headers: ownerA.headers })).json.entries;
  assert.ok(older.every((entry: { id: number }) => entry.id < entries.nextBefore));
  const all = [...entries.entries, ...older];
  assert.ok(all.every((entry: { workspaceId: string }) => entry.workspaceId === DEFAULT_WORKSPACE_ID));
  const count = await database.db.execute(sql`select count(*)::int as n from audit_log where workspace_id = ${ownerB.workspaceId}`);
  assert.ok((count.rows[0] as { n: number }).n > 0, 'B has entries of its own');
});
