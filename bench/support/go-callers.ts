/**
 * The capacity benchmark's virtual callers in Go (tools/caller-go): one process runs every call, a
 * goroutine each, joining with LiveKit's Go SDK, sending a constant Opus silence packet instead of
 * encoding a microphone, and decoding the agent's audio with libopus at the callers' rate. It speaks
 * bench/support/caller-shard.ts's protocol as JSON lines on stdin/stdout, so it stands in for the
 * forked Node shards; its CPU is a small fraction of theirs, so the callers stop competing with the
 * worker they measure. Script steps it does not do (`say`, `recordPath`) fail the call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ShardCall, ShardResult } from './caller-shard';

/** What the benchmark needs of its callers, whichever implementation runs them. */
export interface Callers {
  /** How the callers run, for the report. */
  readonly description: string;
  call(options: ShardCall['options'], toneMs: number): Promise<ShardResult>;
  /** CPU seconds the callers' processes have used so far. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** A result line of caller-go: JSON has no Infinity, so a tone not heard is a null gap. */
type WireResult = Omit<ShardResult, 'gapMs' | 'steadyGapMs'> & { gapMs: number | null; steadyGapMs: number | null };

/** Maps caller-go's result line to caller-shard.ts's ShardResult (null gap → Infinity). */
export function fromWire(message: WireResult): ShardResult {
  return { ...message, gapMs: message.gapMs ?? Infinity, steadyGapMs: message.steadyGapMs ?? Infinity };
}

/** The caller-go process. */
export class GoCallers implements Callers {
  readonly description = 'one Go process (tools/caller-go)';
  private nextId = 0;
  private readonly pending = new Map<number, (result: ShardResult) => void>();
  private readonly cpuWaiters: Array<(seconds: number) => void> = [];
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('exit', (code, signal) => {
      this.exited = true;
      const error = `caller-go exited (${signal ?? code}) during the call`;
      for (const [id, resolve] of this.pending) resolve({ type: 'result', id, error, gapMs: Infinity, gapAtMs: 0, steadyGapMs: Infinity });
      this.pending.clear();
      for (const waiter of this.cpuWaiters.splice(0)) waiter(NaN);
    });
  }

  /** Starts the binary and waits for its `ready` line. */
  static async start(binary: string): Promise<GoCallers> {
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const callers = new GoCallers(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`caller-go exited with ${code} while starting`)));
      lines.on('line', (line) => {
        let message: { type: string } & Record<string, unknown>;
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          process.stderr.write(`[caller-go] ${line}\n`);
          return;
        }
        if (message.type === 'ready') resolve();
        else callers.receive(message);
      });
    });
    return callers;
  }

  private receive(message: { type: string } & Record<string, unknown>): void {
    if (message.type === 'result') {
      const result = fromWire(message as unknown as WireResult);
      this.pending.get(result.id)?.(result);
      this.pending.delete(result.id);
    } else if (message.type === 'cpu') this.cpuWaiters.shift()?.(message.seconds as number);
  }

  private send(message: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  call(options: ShardCall['options'], toneMs: number): Promise<ShardResult> {
    const id = ++this.nextId;
    if (this.exited) return Promise.resolve({ type: 'result', id, error: 'caller-go is not running', gapMs: Infinity, gapAtMs: 0, steadyGapMs: Infinity });
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type: 'call', id, options, toneMs } satisfies ShardCall);
    });
  }

  cpuSeconds(): Promise<number> {
    if (this.exited) return Promise.resolve(NaN);
    const answer = new Promise<number>((resolve) => this.cpuWaiters.push(resolve));
    this.send({ type: 'cpu' });
    return answer;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.send({ type: 'exit' });
    await exited;
  }
}
