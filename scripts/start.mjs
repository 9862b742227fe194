#!/usr/bin/env node
// `npm start`: everything Switchboard needs on this machine, in one terminal.
//   servers:  Temporal dev server (SQLite in data/temporal.db), LiveKit, embedded Postgres
//             (data/pglite) — each unless TEMPORAL_ADDRESS / LIVEKIT_URL / DATABASE_URL names one
//   then:     database migrations (db/migrate.ts)
//   then:     flow worker, media worker, API — each waited on through its /healthz
// Every process's output goes to data/logs/<name>.log; app output is also printed with a
// `[name]` prefix, server output only when it is a warning or an error.
// Ctrl-C or SIGTERM stops the app processes, then the servers. An app process that exits (a crash,
// a kill, a drain) is started again after a back-off (1 s, doubling to 30 s; back to 1 s once it has
// run a minute), with its last log lines printed; a server that dies stops everything.
// Ports: PORT (3000), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233, loopback: operators use the
// API's /temporal/, which signs them in), LIVEKIT_PORT (7880; ICE on the next two),
// FLOW_WORKER_HEALTH_PORT (3001), MEDIA_WORKER_HEALTH_PORT (3002, and the next
// MEDIA_WORKERS - 1 ports for the other media workers); embedded Postgres on 5433 or a free port.
// MEDIA_WORKERS: media worker processes (default: one per core, at most 4), each taking up to
// MEDIA_MAX_CALLS calls (docs/performance.md). FLOW_WORKERS: flow worker processes (default 1;
// the others' health ports are free ones, printed at start).

import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ensureSetup, REPO_ROOT, SetupError } from './lib/setup.mjs';
import { findFreePort, isPortFree, spawnService, startLiveKit, startPglite, startTemporal, waitForHttp } from './lib/services.mjs';
import { ToolError } from './lib/tools.mjs';

const DATA = path.join(REPO_ROOT, 'data');
const LOGS = path.join(DATA, 'logs');
const env = process.env;
const num = (value, fallback) => (value ? Number(value) : fallback);

const ports = {
  api: num(env.PORT, 3000),
  flowHealth: num(env.FLOW_WORKER_HEALTH_PORT, 3001),
  mediaHealth: num(env.MEDIA_WORKER_HEALTH_PORT, 3002),
  temporal: num(env.TEMPORAL_PORT, 7233),
  temporalUi: num(env.TEMPORAL_UI_PORT, 8233),
  livekit: num(env.LIVEKIT_PORT, 7880),
};

/** Media worker processes: one per core (each is one event loop), at most 4 on a development machine. */
const mediaWorkers = num(env.MEDIA_WORKERS, Math.min(4, availableParallelism()));
if (!Number.isInteger(mediaWorkers) || mediaWorkers < 1) {
  console.error(`MEDIA_WORKERS must be a whole number of at least 1, got ${JSON.stringify(env.MEDIA_WORKERS)}`);
  process.exit(1);
}
const mediaPorts = Array.from({ length: mediaWorkers }, (_, i) => ports.mediaHealth + i);

const APPS = [
  { name: 'flow', file: 'workers/flow-worker.ts', healthVar: 'FLOW_WORKER_HEALTH_PORT', port: ports.flowHealth, count: num(env.FLOW_WORKERS, 1) },
  // Media workers' health ports follow each other (3002, 3003, …), so a host's are easy to scrape.
  { name: 'media', file: 'workers/media-worker.ts', healthVar: 'MEDIA_WORKER_HEALTH_PORT', port: ports.mediaHealth, count: mediaWorkers, consecutivePorts: true },
  { name: 'api', file: 'api/server.ts', healthVar: 'PORT', port: ports.api, count: 1 },
];
/** Restart back-off of an app process: doubles from the first to the last; reset after RESTART_RESET_MS up. */
const RESTART_BACKOFF_MS = [1000, 30_000];
const RESTART_RESET_MS = 60_000;

const servers = []; // { name, stop, process }
const apps = []; // ServiceProcess, the current process of each app instance
let stopping = false;

function say(line) {
  process.stdout.write(`[start] ${line}\n`);
}

/** Server output worth showing on the console: warnings and errors, until we are stopping. */
const serverEcho = (pattern) => (line) => !stopping && pattern.test(line);

async function stopAll() {
  stopping = true;
  for (const timer of restarts) clearTimeout(timer);
  await Promise.all(apps.map((app) => app.stop()));
  await Promise.all(servers.map((server) => server.stop()));
}

async function fail(err) {
  if (stopping) return;
  console.error(`\n[start] ${err.message}`);
  console.error('[start] stopping everything');
  await stopAll();
  process.exit(1);
}

let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (++interrupts > 1) {
      say('stopping now');
      for (const child of [...apps, ...servers.map((s) => s.process)]) {
        if (child && !child.exitInfo) process.kill(-child.pid, 'SIGKILL');
      }
      process.exit(130);
    }
    say(`${signal}: stopping (again to force)`);
    await stopAll();
    say('stopped');
    process.exit(0);
  });
}

/** Stops everything if this server dies once it has started. */
function watch(service) {
  service.exited.then(() => {
    if (!stopping) void fail(service.deathError());
  });
}

const restarts = new Set();
/**
 * Runs one app instance and starts it again whenever it exits, after a back-off; `slot` is its
 * place in `apps`. Resolves with the first process.
 */
function supervise(slot, name, file, childEnv) {
  let backoffMs = RESTART_BACKOFF_MS[0];
  let restartsSoFar = 0;
  const launch = () => {
    const service = runTs(name, file, childEnv);
    const startedAt = Date.now();
    apps[slot] = service;
    service.exited.then(() => {
      if (stopping) return;
      if (Date.now() - startedAt >= RESTART_RESET_MS) backoffMs = RESTART_BACKOFF_MS[0];
      restartsSoFar++;
      const why = service.deathError().message.split('\n')[0];
      console.error(`[start] ${why}; restarting it in ${backoffMs / 1000}s (restart ${restartsSoFar}). Last lines:\n${service.tail(10).split('\n').map((l) => `    ${l}`).join('\n')}`);
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!stopping) launch();
      }, backoffMs);
      restarts.add(timer);
      backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF_MS[1]);
    });
    return service;
  };
  return launch();
}

async function requireFreePort(port, what, envName) {
  if (await isPortFree(port)) return;
  throw new Error(`Port ${port} (${what}) is already in use — is another \`npm start\` running? Stop it, or set ${envName}.`);
}

async function startServers() {
  const started = Date.now();
  const jobs = [];
  const urls = {
    temporal: env.TEMPORAL_ADDRESS,
    temporalUi: env.TEMPORAL_UI_UPSTREAM,
    livekit: env.LIVEKIT_URL,
    livekitKey: env.LIVEKIT_API_KEY,
    livekitSecret: env.LIVEKIT_API_SECRET,
    database: env.DATABASE_URL,
  };

  if (!urls.temporal) {
    await requireFreePort(ports.temporal, 'Temporal', 'TEMPORAL_PORT or TEMPORAL_ADDRESS');
    await requireFreePort(ports.temporalUi, 'Temporal UI', 'TEMPORAL_UI_PORT');
    jobs.push(
      startTemporal({
        port: ports.temporal,
        uiPort: ports.temporalUi,
        // The API serves the UI at /temporal/ behind its sign-in (api/temporal-ui.ts), so the UI's
        // codec calls are same-origin and carry the operator's session (docs/operators.md).
        uiPublicPath: '/temporal',
        uiCodecEndpoint: '/api/temporal-codec',
        dbFile: path.join(DATA, 'temporal.db'),
        logFile: path.join(LOGS, 'temporal.log'),
        echo: serverEcho(/level=(ERROR|FATAL)|panic/),
      }).then((t) => {
        servers.push({ name: 'temporal', stop: t.stop, process: t.process });
        urls.temporal = t.address;
        urls.temporalUi ??= t.uiUrl;
      }),
    );
  }
  if (!urls.livekit) {
    await requireFreePort(ports.livekit, 'LiveKit', 'LIVEKIT_PORT or LIVEKIT_URL');
    await requireFreePort(ports.livekit + 1, 'LiveKit ICE/TCP', 'LIVEKIT_PORT');
    jobs.push(
      startLiveKit({
        port: ports.livekit,
        rtcTcpPort: ports.livekit + 1,
        rtcUdpPort: ports.livekit + 2,
        redisAddress: env.REDIS_ADDRESS,
        // SIP calls start when LiveKit tells the API a SIP participant joined (api/telephony/livekit-webhooks.ts).
        webhookUrls: [`http://127.0.0.1:${ports.api}/api/livekit/webhooks`],
        logFile: path.join(LOGS, 'livekit.log'),
        echo: serverEcho(/\t(WARN|ERROR|FATAL|PANIC)\t/),
      }).then((lk) => {
        servers.push({ name: 'livekit', stop: lk.stop, process: lk.process });
        Object.assign(urls, { livekit: lk.url, livekitKey: lk.apiKey, livekitSecret: lk.apiSecret });
      }),
    );
  }
  if (!urls.database) {
    const port = (await isPortFree(5433)) ? 5433 : await findFreePort();
    jobs.push(
      startPglite({
        dataDir: path.join(DATA, 'pglite'),
        port,
        logFile: path.join(LOGS, 'pglite.log'),
        echo: serverEcho(/error|in use/i),
      }).then((db) => {
        servers.push({ name: 'pglite', stop: db.stop, process: db.process });
        urls.database = db.databaseUrl;
      }),
    );
  }

  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  for (const server of servers) watch(server.process);
  if (jobs.length) say(`servers ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return urls;
}

/**
 * Encryption keys and the caller-hash secret: from the environment when set, otherwise generated
 * once into data/secrets.json (mode 600) and reused, so data encrypted yesterday still decrypts.
 */
function privacyEnv() {
  const names = ['TEMPORAL_PAYLOAD_KEYS', 'STORAGE_ENCRYPTION_KEYS', 'CALLER_HASH_KEY'];
  if (names.every((name) => env[name])) return {};
  const file = path.join(DATA, 'secrets.json');
  let stored = {};
  if (fs.existsSync(file)) stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  const key = () => `k1:${crypto.randomBytes(32).toString('base64')}`;
  const fresh = { TEMPORAL_PAYLOAD_KEYS: key(), STORAGE_ENCRYPTION_KEYS: key(), CALLER_HASH_KEY: crypto.randomBytes(32).toString('base64') };
  const missing = names.filter((name) => !stored[name]);
  if (missing.length) {
    stored = { ...Object.fromEntries(missing.map((name) => [name, fresh[name]])), ...stored };
    fs.mkdirSync(DATA, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    say(`generated ${missing.join(', ')} into data/secrets.json (keep it: without it, encrypted data cannot be read)`);
  }
  return Object.fromEntries(names.filter((name) => !env[name]).map((name) => [name, stored[name]]));
}

function appEnv(urls) {
  return {
    ...env,
    ...privacyEnv(),
    TEMPORAL_ADDRESS: urls.temporal,
    TEMPORAL_UI_UPSTREAM: urls.temporalUi ?? `http://127.0.0.1:${ports.temporalUi}`,
    LIVEKIT_URL: urls.livekit,
    LIVEKIT_API_KEY: urls.livekitKey ?? 'devkey',
    LIVEKIT_API_SECRET: urls.livekitSecret ?? 'secret',
    DATABASE_URL: urls.database,
    PORT: String(ports.api),
    FLOW_WORKER_HEALTH_PORT: String(ports.flowHealth),
    MEDIA_WORKER_HEALTH_PORT: String(ports.mediaHealth),
    // Readable one-line logs in this terminal; deployments keep JSON.
    LOG_FORMAT: env.LOG_FORMAT ?? 'pretty',
    // rtc-node logs at debug level unless NODE_ENV is production.
    NODE_ENV: env.NODE_ENV ?? 'production',
  };
}

function runTs(name, file, childEnv, options = {}) {
  if (!fs.existsSync(path.join(REPO_ROOT, file))) throw new Error(`${file} does not exist`);
  return spawnService({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', file],
    cwd: REPO_ROOT,
    env: childEnv,
    logFile: path.join(LOGS, `${name}.log`),
    echo: () => !stopping,
    stopTimeoutMs: 10_000,
    ...options,
  });
}

async function migrate(childEnv) {
  const migration = runTs('migrate', 'db/migrate.ts', childEnv);
  const { code } = await migration.exited;
  if (code !== 0) throw migration.deathError('while migrating the database');
}

async function startApps(childEnv) {
  const waits = [];
  for (const { name, file, healthVar, port, count, consecutivePorts } of APPS) {
    for (let i = 0; i < count; i++) {
      // The first instance keeps the configured health port; more flow workers get free ones.
      const healthPort = i === 0 || consecutivePorts ? port + i : await findFreePort();
      const instance = i === 0 ? name : `${name}-${i + 1}`;
      if (i > 0) say(`${instance}: health on http://127.0.0.1:${healthPort}/healthz`);
      const service = supervise(apps.length, instance, file, { ...childEnv, [healthVar]: String(healthPort) });
      // Workers bundle their workflow code at start, which takes a while on a small machine.
      waits.push(waitForHttp(`http://127.0.0.1:${healthPort}/healthz`, { service, timeoutMs: 180_000, intervalMs: 250 }));
    }
  }
  await Promise.all(waits);
}

/** Newest modification time under a folder (files only). */
function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

/** Builds the builder app (web/dist) when it is missing or older than its sources. */
function ensureWebBuild() {
  const web = path.join(REPO_ROOT, 'web');
  const dist = path.join(web, 'dist', 'index.html');
  const sources = Math.max(newest(path.join(web, 'src')), newest(path.join(REPO_ROOT, 'packages', 'flow-model', 'src')));
  if (fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= sources) return;
  say('building the builder app (web/)');
  const build = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) throw new Error('building the builder app failed (npm run build -w web)');
}

try {
  await ensureSetup();
  ensureWebBuild();
  fs.mkdirSync(LOGS, { recursive: true });
  for (const [port, envName] of [
    [ports.api, 'PORT'],
    [ports.flowHealth, 'FLOW_WORKER_HEALTH_PORT'],
    // Media worker i listens on MEDIA_WORKER_HEALTH_PORT + i.
    ...mediaPorts.map((port) => [port, 'MEDIA_WORKER_HEALTH_PORT']),
  ]) {
    await requireFreePort(port, envName, envName);
  }
  const urls = await startServers();
  const childEnv = appEnv(urls);
  await migrate(childEnv);
  const started = Date.now();
  await startApps(childEnv);
  say(`app processes ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`
  Switchboard is running.
    Builder      http://127.0.0.1:${ports.api}
    API          http://127.0.0.1:${ports.api}/api
    Temporal UI  http://127.0.0.1:${ports.api}/temporal/   (signed in; gRPC ${childEnv.TEMPORAL_ADDRESS})
    LiveKit      ${childEnv.LIVEKIT_URL}
    Database     ${childEnv.DATABASE_URL}
    Logs         ${path.relative(process.cwd(), LOGS) || LOGS}/
  Ctrl-C stops everything.
`);
} catch (err) {
  if (err instanceof SetupError || err instanceof ToolError) {
    console.error(`\nSet-up failed:\n${err.message}`);
    process.exit(1);
  }
  await fail(err);
}
