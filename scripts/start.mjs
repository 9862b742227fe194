#!/usr/bin/env node
// `npm start`: everything Switchboard needs on this machine, in one terminal.
//   servers:  Temporal dev server (SQLite in data/temporal.db), LiveKit, embedded Postgres
//             (data/pglite) — each unless TEMPORAL_ADDRESS / LIVEKIT_URL / DATABASE_URL names one
//   then:     database migrations (db/migrate.ts)
//   then:     flow worker, media worker, API — each waited on through its /healthz
// Every process's output goes to data/logs/<name>.log; app output is also printed with a
// `[name]` prefix, server output only when it is a warning or an error.
// Ctrl-C or SIGTERM stops the app processes, then the servers. If a process dies, everything
// stops and its last log lines are printed.
// Ports: PORT (3000), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), LIVEKIT_PORT (7880; ICE on
// the next two), FLOW_WORKER_HEALTH_PORT (3001), MEDIA_WORKER_HEALTH_PORT (3002); embedded
// Postgres on 5433 or a free port.

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
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

const APPS = [
  { name: 'flow', file: 'workers/flow-worker.ts', health: `http://127.0.0.1:${ports.flowHealth}/healthz` },
  { name: 'media', file: 'workers/media-worker.ts', health: `http://127.0.0.1:${ports.mediaHealth}/healthz` },
  { name: 'api', file: 'api/server.ts', health: `http://127.0.0.1:${ports.api}/healthz` },
];

const servers = []; // { name, stop, process }
const apps = []; // ServiceProcess
let stopping = false;

function say(line) {
  process.stdout.write(`[start] ${line}\n`);
}

/** Server output worth showing on the console: warnings and errors, until we are stopping. */
const serverEcho = (pattern) => (line) => !stopping && pattern.test(line);

async function stopAll() {
  stopping = true;
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

/** Stops everything if this server or app dies once it has started. */
function watch(service) {
  service.exited.then(() => {
    if (!stopping) void fail(service.deathError());
  });
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
    temporalUi: env.TEMPORAL_UI_URL,
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

function appEnv(urls) {
  return {
    ...env,
    TEMPORAL_ADDRESS: urls.temporal,
    TEMPORAL_UI_URL: urls.temporalUi ?? `http://127.0.0.1:${ports.temporalUi}`,
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
  for (const { name, file } of APPS) {
    apps.push(runTs(name, file, childEnv));
  }
  for (const app of apps) watch(app);
  // Workers bundle their workflow code at start, which takes a while on a small machine.
  await Promise.all(
    APPS.map(({ health }, i) => waitForHttp(health, { service: apps[i], timeoutMs: 180_000, intervalMs: 250 })),
  );
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
    [ports.mediaHealth, 'MEDIA_WORKER_HEALTH_PORT'],
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
    Temporal UI  ${childEnv.TEMPORAL_UI_URL}   (gRPC ${childEnv.TEMPORAL_ADDRESS})
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
