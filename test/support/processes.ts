import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain .mjs helper without types
import { retryOnPortClash } from '../../scripts/lib/services.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process printed. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  healthUrl: string;
}

/**
 * Runs one of the product's process entry points (e.g. workers/media-worker.ts) as a real child process.
 * `nodeArgs` go to node before the entry point (e.g. `--cpu-prof`).
 *
 * The health port is a free port found just before the spawn; another process (an outgoing
 * connection's ephemeral port, say) can take it in between. A child that dies of EADDRINUSE
 * during start-up is started again on another port (`retryOnPortClash`, as the servers are).
 */
export async function startProcess(
  file: string,
  env: Record<string, string>,
  healthPortVar: string,
  options: { startTimeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<WorkerProcess> {
  return retryOnPortClash(true, () => startProcessOnce(file, env, healthPortVar, options)) as Promise<WorkerProcess>;
}

async function startProcessOnce(
  file: string,
  env: Record<string, string>,
  healthPortVar: string,
  { startTimeoutMs = 60_000, nodeArgs = [] }: { startTimeoutMs?: number; nodeArgs?: string[] },
): Promise<WorkerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env, [healthPortVar]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // 'close' comes after the child's output has all been read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const healthUrl = `http://127.0.0.1:${port}/healthz`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await closed; // the whole output, with the reason (EADDRINUSE is retried)
      throw new Error(`${file} exited during start-up:\n${output}`);
    }
    const ok = await fetch(healthUrl).then((response) => response.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${file} did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output, exited, healthUrl };
}
