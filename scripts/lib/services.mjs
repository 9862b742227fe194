// Local servers (Temporal dev server, LiveKit, embedded Postgres) as child processes, for the run
// command and for tests. Plain Node, no npm dependencies.
//
// Every child runs in its own process group (so Ctrl-C reaches only us and we stop children in
// order) and is registered with a small watchdog process: if this process dies without stopping
// them (even by SIGKILL), the watchdog sees its stdin close and kills the groups.
// Everything listens on loopback only.

import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveTool } from './tools.mjs';

const LOOPBACK = '127.0.0.1';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Search attributes every call workflow is indexed by. */
export const CALL_SEARCH_ATTRIBUTES = Object.freeze({
  CallId: 'Keyword',
  CallerNumber: 'Keyword',
  CalledNumber: 'Keyword',
  FlowId: 'Keyword',
  FlowVersion: 'Int',
  CallStatus: 'Keyword',
});

// ---------------------------------------------------------------------------------------------
// Ports and waiting

/** A TCP port that is free on 127.0.0.1 right now (or a UDP port with `{ udp: true }`). */
export async function findFreePort({ udp = false } = {}) {
  if (udp) {
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve, reject) => socket.once('error', reject).bind(0, LOOPBACK, resolve));
    const { port } = socket.address();
    await new Promise((resolve) => socket.close(resolve));
    return port;
  }
  const server = net.createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, LOOPBACK, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether a TCP port can be bound on 127.0.0.1 right now. */
export async function isPortFree(port) {
  const server = net.createServer();
  const free = await new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK, () => resolve(true));
  });
  if (free) await new Promise((resolve) => server.close(resolve));
  return free;
}

/**
 * Polls `check` until it returns a truthy value. Fails after timeoutMs, or as soon as `service`
 * (a ServiceProcess) exits.
 */
export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 100, what = 'condition', service } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    if (service?.exitInfo) throw service.deathError(`while waiting for ${what}`);
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs}ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function tcpAccepts(port, host) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits until host:port accepts a TCP connection. */
export function waitForTcp(port, { host = LOOPBACK, ...options } = {}) {
  return waitFor(() => tcpAccepts(port, host), { what: `${host}:${port} to accept connections`, ...options });
}

/** Waits until `url` answers with status `status` (default 200). */
export function waitForHttp(url, { status = 200, ...options } = {}) {
  return waitFor(
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status === status;
    },
    { what: `${url} to answer ${status}`, ...options },
  );
}

// ---------------------------------------------------------------------------------------------
// Child processes

const WATCHDOG_GRACE_MS = 5000;
// Runs as `node -e`: reads "+pgid" / "-pgid" lines; when stdin closes (our parent is gone),
// SIGTERMs the groups still registered, SIGKILLs them after a grace period, and exits.
const WATCHDOG_SOURCE = `
const groups = new Set();
let buffer = '';
const kill = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  const lines = buffer.split('\\n');
  buffer = lines.pop();
  for (const line of lines) {
    const g = Number(line.slice(1));
    if (line[0] === '+') groups.add(g); else groups.delete(g);
  }
});
process.stdin.on('end', () => {
  if (!groups.size) process.exit(0);
  kill('SIGTERM');
  setTimeout(() => { kill('SIGKILL'); process.exit(0); }, ${WATCHDOG_GRACE_MS});
});
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
`;

let watchdog = null;
const liveGroups = new Set();

function registerGroup(pgid) {
  if (!watchdog) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.unref();
    watchdog.stdin.unref?.();
    watchdog.stdin.on('error', () => {});
  }
  liveGroups.add(pgid);
  watchdog.stdin.write(`+${pgid}\n`);
}

function unregisterGroup(pgid) {
  liveGroups.delete(pgid);
  if (!watchdog) return;
  watchdog.stdin.write(`-${pgid}\n`);
  if (liveGroups.size === 0) {
    watchdog.stdin.end(); // the watchdog exits; the next child starts a new one
    watchdog = null;
  }
}

process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {object} ServiceProcess
 * @property {string} name
 * @property {number} pid also the process group id
 * @property {string} logFile
 * @property {Promise<{ code: number | null, signal: string | null }>} exited
 * @property {{ code: number | null, signal: string | null } | null} exitInfo set once exited
 * @property {(lines?: number) => string} tail last lines of output
 * @property {(context?: string) => Error} deathError
 * @property {() => Promise<void>} stop SIGTERM to the group, SIGKILL after stopTimeoutMs
 */

/**
 * Spawns a child in its own process group. Its stdout and stderr go to `logFile`; lines for which
 * `echo(line)` is true (or all lines with `echo: true`) are also printed as `[name] line`.
 * @returns {ServiceProcess}
 */
export function spawnService({ name, command, args = [], env = process.env, cwd, logFile, echo = false, stopTimeoutMs = 5000, out = process.stdout }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  log.write(`--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const recent = [];
  const shouldEcho = typeof echo === 'function' ? echo : () => echo;
  const prefix = `[${name}] `;

  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      log.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) onLine(line);
    });
    stream.on('end', () => {
      if (partial) onLine(partial);
      partial = '';
    });
  }
  function onLine(line) {
    recent.push(line);
    if (recent.length > 200) recent.shift();
    if (shouldEcho(line)) out.write(prefix + line + '\n');
  }

  const service = {
    name,
    pid: child.pid,
    logFile,
    child,
    exitInfo: null,
    tail: (lines = 20) => recent.slice(-lines).join('\n'),
    deathError(context = '') {
      const { code, signal, error } = service.exitInfo ?? {};
      const how = error ? `could not be started (${error.message})` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = service.tail(20).split('\n').map((l) => `    ${l}`).join('\n');
      const err = new Error(`${name} ${how}${context ? ` ${context}` : ''}. Last lines of ${logFile}:\n${tail}`);
      err.service = name;
      return err;
    },
    stop: () => stopService(service, stopTimeoutMs),
  };
  service.exited = new Promise((resolve) => {
    child.once('error', (err) => {
      recent.push(`failed to start: ${err.message}`);
      log.write(`failed to start: ${err.message}\n`);
      service.exitInfo = { code: null, signal: null, error: err };
      resolve(service.exitInfo);
    });
    // Whatever the leader leaves behind in its group goes with it.
    child.once('exit', () => killGroup(child.pid, 'SIGKILL'));
    child.once('close', (code, signal) => {
      service.exitInfo = service.exitInfo?.error ? service.exitInfo : { code, signal };
      log.end(`--- exited ${signal ?? code}\n`);
      if (child.pid) unregisterGroup(child.pid);
      resolve(service.exitInfo);
    });
  });
  if (child.pid) registerGroup(child.pid);
  return service;
}

async function stopService(service, timeoutMs) {
  if (service.exitInfo) return;
  killGroup(service.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(service.pid, 'SIGKILL'), timeoutMs);
  await service.exited;
  clearTimeout(timer);
}

/** Runs `fn(service)`; if it throws, stops the service and rethrows (with its log tail if it died). */
async function startOrStop(service, fn) {
  try {
    return await fn();
  } catch (err) {
    await service.stop();
    if (service.exitInfo && !err.service) throw service.deathError('during start-up');
    throw err;
  }
}

/**
 * Calls start() again (up to 3 times) when it failed because a port was taken between choosing it
 * and binding it; only used when the ports were chosen here rather than by the caller.
 */
export async function retryOnPortClash(portsChosenHere, start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const clash = /address already in use|EADDRINUSE/i.test(err.message);
      if (!portsChosenHere || !clash || attempt >= 3) throw err;
    }
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 10_000, ...options }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${path.basename(command)} ${args.slice(0, 3).join(' ')} failed: ${(stderr || err.message).trim()}`;
        reject(err);
      } else resolve(stdout);
    });
  });
}

function defaultLogFile(name, port) {
  return path.join(os.tmpdir(), 'switchboard', `${name}-${port}.log`);
}

// ---------------------------------------------------------------------------------------------
// Temporal

function normalizeAttributes(searchAttributes) {
  if (Array.isArray(searchAttributes)) {
    return Object.fromEntries(searchAttributes.map((pair) => pair.split('=')));
  }
  return { ...searchAttributes };
}

const TEMPORAL_TYPE = {
  Text: 'INDEXED_VALUE_TYPE_TEXT',
  Keyword: 'INDEXED_VALUE_TYPE_KEYWORD',
  Int: 'INDEXED_VALUE_TYPE_INT',
  Double: 'INDEXED_VALUE_TYPE_DOUBLE',
  Bool: 'INDEXED_VALUE_TYPE_BOOL',
  Datetime: 'INDEXED_VALUE_TYPE_DATETIME',
  KeywordList: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
};

/** The custom search attributes of a namespace, as { Name: 'INDEXED_VALUE_TYPE_…' }. */
export async function listSearchAttributes({ address, namespace = 'default', bin }) {
  const temporal = bin ?? (await resolveTool('temporal'));
  const stdout = await run(temporal, [
    'operator', 'search-attribute', 'list', '--address', address, '--namespace', namespace, '--output', 'json',
    '--disable-config-file', '--disable-config-env',
  ]);
  return JSON.parse(stdout).customAttributes ?? {};
}

/**
 * Makes sure each search attribute exists with its type. The dev server registers its
 * --search-attribute flags only when it creates the database, so attributes added later are
 * created here.
 */
export async function ensureSearchAttributes({ address, namespace = 'default', searchAttributes, bin }) {
  const temporal = bin ?? (await resolveTool('temporal'));
  const wanted = normalizeAttributes(searchAttributes);
  const existing = await listSearchAttributes({ address, namespace, bin: temporal });
  const missingByType = {};
  for (const [name, type] of Object.entries(wanted)) {
    if (!TEMPORAL_TYPE[type]) throw new Error(`Unknown search attribute type ${type} for ${name}`);
    if (!existing[name]) (missingByType[type] ??= []).push(name);
    else if (existing[name] !== TEMPORAL_TYPE[type]) {
      throw new Error(
        `Search attribute ${name} exists as ${existing[name]} but ${type} is wanted. ` +
          `Delete the Temporal database (or rename the attribute) to change its type.`,
      );
    }
  }
  for (const [type, names] of Object.entries(missingByType)) {
    await run(temporal, [
      'operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--type', type,
      ...names.flatMap((n) => ['--name', n]), '--disable-config-file', '--disable-config-env',
    ]);
  }
  return listSearchAttributes({ address, namespace, bin: temporal });
}

/** How far ahead the timer queue reads; a task never fires earlier than this after it was created. */
export const TIMER_MAX_TIME_SHIFT = '100ms';

/**
 * One partition per task queue (the dev server cannot scope it to the `media` queue, as
 * deploy/temporal/dynamicconfig.yaml does): each media worker polls the shared queue with a single
 * poll, and with four partitions a new call's attach task could wait in a partition no worker polls
 * at that moment (seconds, when a worker taking a call over is the only one polling).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
  // Timeouts fire on time: by default the timer queue fires no task earlier than 1 s after it was
  // created, so a media worker's 1 s heartbeat timeout was noticed up to 2 s after it died (see
  // deploy/temporal/dynamicconfig.yaml).
  '--dynamic-config-value', `history.timerProcessorMaxTimeShift="${TIMER_MAX_TIME_SHIFT}"`,
];

/**
 * Starts `temporal server start-dev` on loopback and waits until it serves the namespace with all
 * search attributes registered.
 * `uiCodecEndpoint` points the Temporal UI at a codec server (Switchboard's /api/temporal-codec),
 * so it shows encrypted payloads decrypted. `uiPublicPath` (e.g. `/temporal`) serves the UI under
 * that path, so the API can serve it at the same path behind its sign-in (api/temporal-ui.ts); the
 * UI then answers at `uiUrl`, which includes the path.
 * @param {{ port?: number, uiPort?: number, uiCodecEndpoint?: string, uiPublicPath?: string, headless?: boolean, dbFile?: string,
 *   searchAttributes?: Record<string, string> | string[], namespace?: string, logFile?: string,
 *   echo?: boolean | ((line: string) => boolean), timeoutMs?: number }} [options]
 * @returns {Promise<{ address: string, namespace: string, uiUrl: string | null, port: number,
 *   logFile: string, process: ServiceProcess, stop: () => Promise<void> }>}
 */
export async function startTemporal({
  port,
  uiPort,
  uiCodecEndpoint,
  uiPublicPath,
  headless = false,
  dbFile,
  searchAttributes = CALL_SEARCH_ATTRIBUTES,
  namespace = 'default',
  logFile,
  echo = false,
  timeoutMs = 60_000,
} = {}) {
  const bin = await resolveTool('temporal');
  const attributes = normalizeAttributes(searchAttributes);
  const portsChosenHere = port === undefined || (!headless && uiPort === undefined);
  return retryOnPortClash(portsChosenHere, async () => {
    const grpcPort = port ?? (await findFreePort());
    const webPort = headless ? undefined : (uiPort ?? (await findFreePort()));
    const log = logFile ?? (dbFile ? path.join(path.dirname(dbFile), 'temporal.log') : defaultLogFile('temporal', grpcPort));

    const args = ['server', 'start-dev', '--ip', LOOPBACK, '--port', String(grpcPort), '--namespace', namespace, '--log-level', 'warn'];
    args.push(...(headless ? ['--headless'] : ['--ui-port', String(webPort)]));
    if (!headless && uiCodecEndpoint) args.push('--ui-codec-endpoint', uiCodecEndpoint);
    if (!headless && uiPublicPath) args.push('--ui-public-path', uiPublicPath);
    if (dbFile) {
      fs.mkdirSync(path.dirname(dbFile), { recursive: true });
      args.push('--db-filename', dbFile);
    }
    for (const [name, type] of Object.entries(attributes)) args.push('--search-attribute', `${name}=${type}`);
    args.push(...DEV_SERVER_DYNAMIC_CONFIG);
    args.push('--disable-config-file', '--disable-config-env');

    const service = spawnService({ name: 'temporal', command: bin, args, logFile: log, echo });
    const address = `${LOOPBACK}:${grpcPort}`;
    await startOrStop(service, async () => {
      await waitForTcp(grpcPort, { service, timeoutMs });
      await waitFor(() => listSearchAttributes({ address, namespace, bin }), { service, timeoutMs, intervalMs: 200, what: `Temporal namespace ${namespace}` });
      const registered = await ensureSearchAttributes({ address, namespace, searchAttributes: attributes, bin });
      const missing = Object.keys(attributes).filter((n) => !registered[n]);
      if (missing.length) throw new Error(`Temporal did not register search attributes: ${missing.join(', ')}`);
    });
    return {
      address,
      namespace,
      port: grpcPort,
      uiUrl: headless ? null : `http://${LOOPBACK}:${webPort}${uiPublicPath ?? ''}`,
      logFile: log,
      process: service,
      stop: service.stop,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// LiveKit

/**
 * Starts `livekit-server --dev` on loopback (signalling on `port`, ICE over TCP `rtcTcpPort` and
 * UDP `rtcUdpPort`) and waits until it answers HTTP.
 * With `redisAddress`, LiveKit keeps rooms and its SIP trunks and dispatch rules in Redis (database
 * `redisDb`, default 0); `webhookUrls` receive its webhooks, signed with `apiKey`/`apiSecret`.
 * @param {{ port?: number, rtcTcpPort?: number, rtcUdpPort?: number, redisAddress?: string,
 *   redisDb?: number, webhookUrls?: string[], apiKey?: string, apiSecret?: string, logLevel?: 'debug' | 'info' | 'warn' | 'error', logFile?: string,
 *   echo?: boolean | ((line: string) => boolean), timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, httpUrl: string, apiKey: string, apiSecret: string, port: number,
 *   logFile: string, process: ServiceProcess, stop: () => Promise<void> }>}
 */
export async function startLiveKit({
  port,
  rtcTcpPort,
  rtcUdpPort,
  redisAddress,
  redisDb,
  webhookUrls,
  apiKey = 'devkey',
  apiSecret = 'secret',
  logLevel = 'warn',
  logFile,
  echo = false,
  timeoutMs = 30_000,
} = {}) {
  const bin = await resolveTool('livekit-server');
  const env = { ...process.env };
  for (const key of ['LIVEKIT_CONFIG', 'LIVEKIT_KEYS', 'NODE_IP', 'UDP_PORT', 'REDIS_HOST', 'REDIS_PASSWORD']) delete env[key];
  const portsChosenHere = port === undefined || rtcTcpPort === undefined || rtcUdpPort === undefined;
  return retryOnPortClash(portsChosenHere, async () => {
    const httpPort = port ?? (await findFreePort());
    const tcpPort = rtcTcpPort ?? (await findFreePort());
    const udpPort = rtcUdpPort ?? (await findFreePort({ udp: true }));
    const log = logFile ?? defaultLogFile('livekit', httpPort);
    // JSON is YAML. Loopback candidates plus the IP filter make the UDP mux listen on 127.0.0.1
    // only (by default LiveKit skips loopback and binds the host's other addresses). The ICE/TCP
    // port listens on all addresses: this LiveKit version does not bind it to --bind.
    const config = {
      port: httpPort,
      rtc: {
        tcp_port: tcpPort,
        udp_port: udpPort,
        use_external_ip: false,
        enable_loopback_candidate: true,
        ips: { includes: [`${LOOPBACK}/32`] },
      },
      keys: { [apiKey]: apiSecret },
      logging: { level: logLevel },
      ...(redisAddress ? { redis: { address: redisAddress, ...(redisDb ? { db: redisDb } : {}) } } : {}),
      ...(webhookUrls?.length ? { webhook: { api_key: apiKey, urls: webhookUrls } } : {}),
    };
    const args = ['--dev', '--bind', LOOPBACK, '--node-ip', LOOPBACK, '--config-body', JSON.stringify(config)];

    const service = spawnService({ name: 'livekit', command: bin, args, env, logFile: log, echo });
    const httpUrl = `http://${LOOPBACK}:${httpPort}`;
    await startOrStop(service, () => waitForHttp(`${httpUrl}/`, { service, timeoutMs }));
    return {
      url: `ws://${LOOPBACK}:${httpPort}`,
      httpUrl,
      apiKey,
      apiSecret,
      port: httpPort,
      logFile: log,
      process: service,
      stop: service.stop,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Embedded Postgres (PGlite)

/**
 * Serves a persistent PGlite database in `dataDir` over the Postgres wire protocol on loopback
 * (see pglite-server.mjs for what that server can and cannot do).
 * @param {{ dataDir: string, port?: number, maxConnections?: number, logFile?: string,
 *   echo?: boolean | ((line: string) => boolean), timeoutMs?: number }} options
 * @returns {Promise<{ databaseUrl: string, port: number, logFile: string, process: ServiceProcess,
 *   stop: () => Promise<void> }>}
 */
export async function startPglite({ dataDir, port, maxConnections = 20, logFile, echo = false, timeoutMs = 60_000 }) {
  if (!dataDir) throw new Error('startPglite needs a dataDir');
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  return retryOnPortClash(port === undefined, async () => {
    const tcpPort = port ?? (await findFreePort());
    const log = logFile ?? path.join(path.dirname(dataDir), 'pglite.log');
    const args = [
      path.join(here, 'pglite-server.mjs'),
      '--data-dir', dataDir, '--host', LOOPBACK, '--port', String(tcpPort), '--max-connections', String(maxConnections),
    ];
    const service = spawnService({ name: 'pglite', command: process.execPath, args, logFile: log, echo, stopTimeoutMs: 10_000 });
    await startOrStop(service, () => waitForTcp(tcpPort, { service, timeoutMs }));
    return {
      databaseUrl: `postgres://postgres@${LOOPBACK}:${tcpPort}/postgres`,
      port: tcpPort,
      logFile: log,
      process: service,
      stop: service.stop,
    };
  });
}
