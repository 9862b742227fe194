/**
 * Forks one process of virtual callers (bench/support/caller-shard.ts) and waits for its `ready`
 * message. Apart from caller-shard.ts itself, which answers IPC as soon as it is imported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export async function forkCallerShard(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./caller-shard.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '' },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`a caller process exited with ${code} while starting`)));
  });
  return child;
}
