// Native tools (Temporal CLI, LiveKit server, LiveKit SIP) built from pinned Go modules into a
// per-user cache outside the repo, and the Go virtual caller built from this checkout's
// tools/caller-go. Plain Node, no npm dependencies: this runs before `npm install`.
//
// Lookup order for a tool: its env var (TEMPORAL_BIN, …) > a binary of that name on PATH (not for
// tools built from this checkout) > the cache (<toolsDir>/<name>-<version>/<binary>) > build it with Go.
// A build goes into <name>-<version>.tmp and is renamed into place only when complete, so a
// killed build never looks finished; the version is part of the directory name, so bumping a
// pin below rebuilds. A tool built from this checkout has a hash of its sources for a version, so
// an edit rebuilds it and an unchanged tree reuses the build.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Pinned tools. `module` is a `go install` package path; `goBinary` is the name Go gives the
 * binary and `binary` the name we store it under. A tool with `source` instead is built with
 * `go build` from that folder of this checkout (its own go.mod and go.sum).
 */
export const TOOLS = {
  temporal: {
    version: 'v1.5.1', // later tags carry a replace directive that `go install` refuses
    module: 'github.com/temporalio/cli/cmd/temporal',
    goBinary: 'temporal',
    binary: 'temporal',
    envVar: 'TEMPORAL_BIN',
    serverEnv: 'TEMPORAL_ADDRESS',
  },
  'livekit-server': {
    version: 'v1.13.5',
    module: 'github.com/livekit/livekit-server/cmd/server',
    goBinary: 'server',
    binary: 'livekit-server',
    envVar: 'LIVEKIT_SERVER_BIN',
    serverEnv: 'LIVEKIT_URL',
  },
  'livekit-sip': {
    version: 'v1.11.0',
    module: 'github.com/livekit/sip/cmd/livekit-sip',
    goBinary: 'livekit-sip',
    binary: 'livekit-sip',
    envVar: 'LIVEKIT_SIP_BIN',
    serverEnv: 'LIVEKIT_URL',
    optional: true,
    cgo: { pkgConfig: ['opus', 'opusfile', 'soxr'], apt: ['pkg-config', 'libopus-dev', 'libopusfile-dev', 'libsoxr-dev'] },
  },
  'caller-go': {
    source: 'tools/caller-go', // the capacity benchmark's virtual callers (bench/support/go-callers.ts)
    binary: 'caller-go',
    envVar: 'CALLER_GO_BIN',
    optional: true,
    cgo: { pkgConfig: ['opus'], apt: ['pkg-config', 'libopus-dev'] },
  },
};

export const TOOL_NAMES = Object.keys(TOOLS);
const MIN_GO = [1, 24];
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_FILE = /(\.go|^go\.mod|^go\.sum)$/;

/** An error whose message is meant for a person at a terminal: printed without a stack. */
export class ToolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ToolError';
  }
}

/** `${SWITCHBOARD_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/switchboard/tools}` */
export function toolsDir() {
  if (process.env.SWITCHBOARD_TOOLS_DIR) return path.resolve(process.env.SWITCHBOARD_TOOLS_DIR);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'switchboard', 'tools');
}

function spec(name) {
  const tool = TOOLS[name];
  if (!tool) throw new ToolError(`Unknown tool "${name}". Known tools: ${TOOL_NAMES.join(', ')}.`);
  return tool;
}

/** The files a tool built from this checkout is built from, relative to its folder, sorted. */
function sourceFiles(dir, prefix = '') {
  const files = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'testdata') files.push(...sourceFiles(dir, rel));
    } else if (SOURCE_FILE.test(entry.name)) {
      files.push(rel);
    }
  }
  return files.sort();
}

/**
 * A tool's version: its pin, or for a tool built from this checkout the first 12 hex digits of a
 * SHA-256 over its Go sources, go.mod and go.sum (names and contents).
 */
export function toolVersion(name) {
  const tool = spec(name);
  if (!tool.source) return tool.version;
  const dir = path.join(REPO_ROOT, tool.source);
  const hash = createHash('sha256');
  for (const file of sourceFiles(dir)) hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** Where the cached binary of a tool lives (whether or not it exists yet). */
export function cachedToolPath(name) {
  const tool = spec(name);
  return path.join(toolsDir(), `${name}-${toolVersion(name)}`, tool.binary);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * Finds an existing binary without building anything.
 * @returns {{ path: string, source: 'env' | 'path' | 'cache' } | null}
 * @throws {ToolError} when the tool's env var names a file that is not executable.
 */
export function findTool(name) {
  const tool = spec(name);
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new ToolError(`${tool.envVar}=${fromEnv} is not an executable file.`);
    return { path: fromEnv, source: 'env' };
  }
  const onPath = tool.source ? null : which(tool.binary);
  if (onPath) return { path: onPath, source: 'path' };
  const cached = cachedToolPath(name);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return null;
}

/**
 * Returns the path of a tool's binary, building it first when it is nowhere to be found.
 * @param {string} name one of TOOL_NAMES
 * @param {{ build?: boolean, log?: (line: string) => void }} [options]
 * @throws {ToolError} with a message saying what to do (e.g. when Go is missing).
 */
export async function resolveTool(name, { build = true, log = defaultLog } = {}) {
  const found = findTool(name);
  if (found) return found.path;
  if (!build) {
    throw new ToolError(`${name} is not installed. Run \`npm run install-tools\` (or set ${spec(name).envVar}).`);
  }
  return (await buildTool(name, { log })).path;
}

/**
 * Finds a Go toolchain: $GO, `go` on PATH, then the usual install locations.
 * @returns {{ path: string, version: string } | null}
 */
export function findGo() {
  const candidates = [
    process.env.GO,
    which('go'),
    '/usr/local/go/bin/go',
    '/usr/lib/go/bin/go',
    path.join(os.homedir(), 'go', 'bin', 'go'),
    process.env.GOROOT && path.join(process.env.GOROOT, 'bin', 'go'),
  ];
  for (const candidate of candidates) {
    if (!candidate || !isExecutable(candidate)) continue;
    const result = spawnSync(candidate, ['env', 'GOVERSION'], { encoding: 'utf8' });
    if (result.status === 0) return { path: candidate, version: result.stdout.trim() };
  }
  return null;
}

function goVersionAtLeast(version, [major, minor]) {
  const match = /^go(\d+)\.(\d+)/.exec(version);
  if (!match) return true; // devel builds
  const [maj, min] = [Number(match[1]), Number(match[2])];
  return maj > major || (maj === major && min >= minor);
}

function goMissingMessage(name, found) {
  const tool = spec(name);
  const version = toolVersion(name);
  const why = found
    ? `Go ${found.version} at ${found.path} is too old to build ${name} ${version}.`
    : `Go is needed to build ${name} ${version}, and no Go toolchain was found.`;
  return [
    why,
    `Either:`,
    `  - install Go ≥ ${MIN_GO.join('.')} from https://go.dev/dl/ (or your distribution's, if recent enough: Debian 12's golang-go is too old) and run \`npm run install-tools\` again;`,
    tool.source ? `  - or set ${tool.envVar}=/path/to/${tool.binary};` : `  - or put a ${tool.binary} binary on PATH, or set ${tool.envVar}=/path/to/${tool.binary};`,
    ...(tool.optional ? [] : [`  - or set ${tool.serverEnv} to use a server that is already running.`]),
  ].join('\n');
}

function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function processAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** A `go install` started by someone else (a shell, another checkout) that writes into dir. */
function foreignBuildInto(dir) {
  if (process.platform !== 'linux') return null;
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const needle = `GOBIN=${dir}\0`;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (`${environ}\0`.includes(needle)) return Number(entry);
    } catch {
      // process gone or not ours
    }
  }
  return null;
}

/** Path of the marker left by a failed build, so set-up does not retry it on every run. */
export function failureMarker(name) {
  return path.join(toolsDir(), `${name}-${toolVersion(name)}.failed`);
}

/**
 * Builds one tool into the cache (or adopts a build another process is running).
 * @returns {Promise<{ path: string, source: 'env' | 'path' | 'cache' | 'built', ms: number }>}
 * @throws {ToolError}
 */
export async function buildTool(name, { log = defaultLog } = {}) {
  const tool = spec(name);
  const started = Date.now();
  const found = findTool(name);
  if (found) return { ...found, ms: 0 };

  const go = findGo();
  if (!go || !goVersionAtLeast(go.version, MIN_GO)) throw new ToolError(goMissingMessage(name, go));
  if (tool.cgo) checkCgoDeps(name);

  const finalBin = cachedToolPath(name);
  const finalDir = path.dirname(finalBin);
  const tmpDir = `${finalDir}.tmp`;
  const logFile = `${finalDir}.log`;
  fs.mkdirSync(tmpDir, { recursive: true });

  const release = await acquireBuildLock(name, tmpDir, finalBin, log);
  if (!release) return { path: finalBin, source: 'cache', ms: Date.now() - started };

  try {
    const version = toolVersion(name);
    const goBinary = tool.source ? tool.binary : tool.goBinary;
    const args = tool.source
      ? ['build', '-trimpath', '-buildvcs=false', '-o', path.join(tmpDir, goBinary), '.']
      : ['install', `${tool.module}@${tool.version}`];
    log(`Building ${name} ${version} (go ${args.join(' ')}${tool.source ? ` in ${tool.source}` : ''}).`);
    log(`  The first build downloads and compiles for several minutes; later ones reuse the cache. Log: ${logFile}`);

    const env = { ...process.env, GOBIN: tmpDir };
    if (tool.cgo) env.CGO_ENABLED = '1';
    const cwd = tool.source ? path.join(REPO_ROOT, tool.source) : tmpDir;
    const { code, signal } = await runWithProgress(go.path, args, { cwd, env, logFile, name, log });
    if (signal) throw new ToolError(`Building ${name} was interrupted (${signal}).`);
    if (code !== 0) {
      const tail = readTail(logFile, 15);
      fs.writeFileSync(failureMarker(name), JSON.stringify({ at: new Date().toISOString(), log: logFile }) + '\n');
      const hint = `\n  Or set ${tool.envVar} to a ${tool.binary} binary you have.`;
      throw new ToolError(`Building ${name} ${version} failed (exit ${code}). Last lines of ${logFile}:\n${tail}${hint}`);
    }

    const built = path.join(tmpDir, goBinary);
    if (!isExecutable(built)) throw new ToolError(`Go reported success but ${built} is missing.`);
    if (goBinary !== tool.binary) fs.renameSync(built, path.join(tmpDir, tool.binary));
    fs.rmSync(path.join(tmpDir, '.lock'), { force: true });
    try {
      fs.renameSync(tmpDir, finalDir);
    } catch (err) {
      // Someone finished the same build first; theirs is as good as ours.
      if (!isExecutable(finalBin)) throw err;
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    fs.rmSync(failureMarker(name), { force: true });
    const ms = Date.now() - started;
    log(`Built ${name} ${version} in ${formatDuration(ms)}: ${finalBin}`);
    return { path: finalBin, source: 'built', ms };
  } finally {
    release();
  }
}

/**
 * Takes the build lock (<tmpDir>/.lock holding our pid). When another live process holds it,
 * or a `go install` from elsewhere is writing into tmpDir, waits for that build instead.
 * @returns {Promise<(() => void) | null>} a release function, or null when the other build
 *   produced the binary meanwhile.
 */
async function acquireBuildLock(name, tmpDir, finalBin, log) {
  const lockFile = path.join(tmpDir, '.lock');
  const waitStarted = Date.now();
  let announced = false;
  let lastNote = 0;
  for (;;) {
    if (isExecutable(finalBin)) return null;
    let holder = null;
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      const foreign = foreignBuildInto(tmpDir);
      if (!foreign) return () => fs.rmSync(lockFile, { force: true });
      fs.rmSync(lockFile, { force: true });
      holder = foreign;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      holder = Number(fs.readFileSync(lockFile, 'utf8').trim()) || null;
      if (!processAlive(holder)) {
        fs.rmSync(lockFile, { force: true }); // left by a killed build
        continue;
      }
    }
    if (!announced) {
      log(`${name}: another build (pid ${holder}) is writing into ${tmpDir}; waiting for it.`);
      announced = true;
    } else if (Date.now() - lastNote > 30_000) {
      log(`  … still waiting for ${name} (${formatDuration(Date.now() - waitStarted)})`);
      lastNote = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function checkCgoDeps(name) {
  const { cgo } = spec(name);
  const result = spawnSync('pkg-config', ['--exists', ...cgo.pkgConfig], { stdio: 'ignore' });
  if (result.status === 0) return;
  throw new ToolError(
    `${name} links C libraries (${cgo.pkgConfig.join(', ')}) that pkg-config cannot find.\n` +
      `  Install them: apt-get install -y ${cgo.apt.join(' ')}`,
  );
}

function readTail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

/** Runs a build with output to logFile and a progress note: a live line on a TTY, else every 30s. */
function runWithProgress(command, args, { cwd, env, logFile, name, log }) {
  return new Promise((resolve) => {
    const out = fs.openSync(logFile, 'w');
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const started = Date.now();
    const tty = process.stderr.isTTY;
    const lastLine = () => {
      const tail = readTail(logFile, 1).trim();
      return tail && tail !== '(no log)' ? tail.slice(0, 70) : 'compiling';
    };
    const timer = setInterval(
      () => {
        const line = `  … ${name}: ${formatDuration(Date.now() - started)} (${lastLine()})`;
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else log(line);
      },
      tty ? 1000 : 30_000,
    );
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (tty) process.stderr.write('\r\x1b[K');
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      fs.appendFileSync(logFile, `${err.message}\n`);
    });
  });
}

/**
 * Installs several tools in turn. A failure of an optional tool that was not named explicitly
 * is reported and does not stop the others; `skipFailedOptional` (used by set-up) skips an
 * optional tool whose last build failed instead of retrying it.
 * @param {{ names?: string[], explicit?: boolean, skipFailedOptional?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<Array<{ name: string, ok: boolean, path?: string, source?: string, ms?: number, error?: string, skipped?: boolean }>>}
 */
export async function installTools({ names = TOOL_NAMES, explicit = false, skipFailedOptional = false, log = defaultLog } = {}) {
  const results = [];
  for (const name of names) {
    const tool = spec(name);
    try {
      if (skipFailedOptional && tool.optional && !findTool(name) && fs.existsSync(failureMarker(name))) {
        results.push({ name, ok: false, skipped: true, error: `previous build failed; retry with \`npm run install-tools -- --only ${name}\`` });
        continue;
      }
      const { path: binPath, source, ms } = await buildTool(name, { log });
      results.push({ name, ok: true, path: binPath, source, ms });
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      results.push({ name, ok: false, error: err.message });
      if (explicit || !tool.optional) {
        log(err.message);
        continue;
      }
      log(`${name} (optional) could not be built; continuing without it.\n${err.message}`);
    }
  }
  return results;
}
