// Idempotent set-up of a fresh clone: Node version, npm dependencies, Debian packages, native
// tools. Each step checks first and does nothing when already done, so a second run takes well
// under a second. Plain Node, no npm dependencies: this runs before `npm install`.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS, TOOL_NAMES, ToolError, installTools } from './tools.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Debian packages the tests and the media worker need (sip-tester is SIPp). */
export const APT_PACKAGES = [
  'espeak-ng', // offline speech
  'sox',
  'python3-pocketsphinx', // offline recognizer, with its US English model
  'pocketsphinx-en-us',
  'sip-tester', // sipp
  'pkg-config', // livekit-sip's cgo dependencies
  'libopus-dev',
  'libopusfile-dev',
  'libsoxr-dev',
  'chromium', // browser tests
  'docker-compose', // validates docker-compose.yml (no Docker engine needed)
];

const MIN_NODE = [20, 10];

/** An error meant for a person at a terminal: print the message, no stack. */
export class SetupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SetupError';
  }
}

function log(line) {
  process.stderr.write(`[setup] ${line}\n`);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  throw new SetupError(`Node ${MIN_NODE.join('.')} or newer is needed; this is ${process.version}. Install it from https://nodejs.org or your package manager.`);
}

/**
 * Installs npm dependencies when node_modules is missing or older than package-lock.json (npm
 * keeps node_modules/.package-lock.json current on every install, so its mtime says when).
 * @returns {boolean} whether it installed anything
 */
export function ensureNodeModules({ root = REPO_ROOT } = {}) {
  const lock = path.join(root, 'package-lock.json');
  const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
  const lockTime = mtime(lock);
  const missing = installed === null || !fs.existsSync(path.join(root, 'node_modules'));
  if (!missing && (lockTime === null || lockTime <= installed)) return false;

  // A fresh clone gets exactly the lockfile; an existing node_modules is updated in place (npm ci
  // would delete it first).
  const args = lockTime === null ? ['install'] : missing ? ['ci'] : ['install'];
  args.push('--no-audit', '--no-fund');
  log(`npm ${args.join(' ')} (${missing ? 'node_modules is missing' : 'package-lock.json changed'})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (result.status !== 0) throw new SetupError(`npm ${args[0]} failed (exit ${result.status ?? result.signal}).`);
  return true;
}

/** The packages of `packages` that dpkg does not list as installed; null when there is no dpkg. */
export function missingAptPackages(packages = APT_PACKAGES) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev} ${Package}\\n', ...packages], { encoding: 'utf8' });
  if (result.error) return null;
  const installed = new Set(
    result.stdout
      .split('\n')
      .filter((line) => line.startsWith('ii'))
      .map((line) => line.split(/\s+/)[1].split(':')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

/**
 * Installs missing Debian packages when running as root; otherwise prints the command to run.
 * Never fatal: what needs a missing package fails later with its own message.
 * @returns {string[]} packages still missing
 */
export function ensureAptPackages(packages = APT_PACKAGES) {
  const missing = missingAptPackages(packages);
  if (missing === null) {
    log(`not a Debian-like system (no dpkg-query); make sure these are installed: ${packages.join(' ')}`);
    return [];
  }
  if (missing.length === 0) return [];
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    log(`missing Debian packages: ${missing.join(' ')}. Install them with:\n  sudo apt-get update && sudo ${command}`);
    return missing;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = missingAptPackages(packages) ?? [];
  if (still.length) log(`could not install: ${still.join(' ')} (apt-get ${update.status !== 0 ? 'update' : 'install'} exit ${update.status !== 0 ? update.status : install.status})`);
  return still;
}

/**
 * The tools this machine needs: all of them, except those replaced by a server named in the
 * environment (TEMPORAL_ADDRESS, LIVEKIT_URL).
 */
export function neededTools() {
  return TOOL_NAMES.filter((name) => !(TOOLS[name].serverEnv && process.env[TOOLS[name].serverEnv]));
}

/**
 * Runs every set-up step.
 * @param {{ npm?: boolean, apt?: boolean, tools?: boolean | string[] }} [steps] all on by default
 * @returns {Promise<{ installedNodeModules: boolean, missingAptPackages: string[], tools: object[] }>}
 * @throws {SetupError | ToolError} with a message that says what to do
 */
export async function ensureSetup({ npm = true, apt = true, tools = true } = {}) {
  checkNode();
  const installedNodeModules = npm ? ensureNodeModules() : false;
  const missingApt = apt ? ensureAptPackages() : [];
  let toolResults = [];
  if (tools) {
    const names = Array.isArray(tools) ? tools : neededTools();
    toolResults = await installTools({ names, skipFailedOptional: true, log });
    const failed = toolResults.filter((r) => !r.ok && !TOOLS[r.name].optional);
    if (failed.length) throw new ToolError(failed.map((r) => r.error).join('\n\n'));
    for (const r of toolResults.filter((r) => !r.ok)) log(`${r.name} (optional) is not available: ${r.error.split('\n')[0]}`);
  }
  return { installedNodeModules, missingAptPackages: missingApt, tools: toolResults };
}
