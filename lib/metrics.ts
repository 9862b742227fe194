/**
 * Prometheus metrics of each process (prom-client), served at `/metrics`: Node process metrics,
 * the product's own metrics below, and in the workers the Temporal SDK's metrics (see
 * {@link temporalMetricsTelemetry}). One registry per process; names start with `switchboard_`.
 * Labels never carry personal data (no numbers, digits or transcripts).
 */
import { createServer } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProviderEvent } from './contracts/media';

/** A process's registry, with Node's default metrics and a `process` label on every series. */
export function createMetricsRegistry(processName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Turn latency buckets, in seconds: a good turn is well under a second. */
const TURN_BUCKETS = [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
/** 40 ms is the capacity limit (docs/performance.md): a gap longer than that is heard as a break. */
const GAP_BUCKETS = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64];

/** Metrics of a media worker. */
export interface MediaMetrics {
  /** Time from the end of the caller's input (key press or end of speech) to the first audio of the next prompt. */
  turnLatency: Histogram<'input'>;
  /** Failed attempts of a speech provider (each retry and each final failure). */
  providerErrors: Counter<'provider' | 'reason'>;
  /** Switches from one speech provider to the next (`to` is `none` when none was left). */
  providerFallbacks: Counter<'from' | 'to'>;
  /** Gaps in a prompt's audio: the audio source ran dry before the next frame came. */
  playbackGaps: Histogram;
  /** An attach's wait for the caller to hear the agent (subscribed to its voice). */
  callerHeard: Histogram<'heard'>;
  /** Records a fallback wrapper's event (hand to `onEvent`). */
  onProviderEvent(event: ProviderEvent): void;
}

/**
 * The media worker's metrics. `state` is read at scrape time: calls active (the sessions this worker
 * owns) and whether it takes new calls (not while draining or full).
 */
export function createMediaMetrics(
  registry: Registry,
  state: () => { sessions: number; acceptingCalls: boolean; maxCalls?: number; promptCache?: { hits: number; misses: number } },
): MediaMetrics {
  new Counter({
    name: 'switchboard_prompt_cache_total',
    help: 'Prompts of calls played from the prompt cache (result="hit") and synthesized while the caller waited (result="miss": prompts with variables, never cached, and static prompts whose caching has not run).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const stats = state().promptCache;
      if (!stats) return;
      this.reset();
      this.inc({ result: 'hit' }, stats.hits);
      this.inc({ result: 'miss' }, stats.misses);
    },
  });
  new Gauge({
    name: 'switchboard_media_max_calls',
    help: 'Calls this media worker takes at once (MEDIA_MAX_CALLS); switchboard_calls_active over this is how full it is.',
    registers: [registry],
    collect() {
      const { maxCalls } = state();
      if (maxCalls !== undefined) this.set(maxCalls);
    },
  });
  new Gauge({
    name: 'switchboard_calls_active',
    help: 'Calls whose media this worker is handling now.',
    registers: [registry],
    collect() {
      this.set(state().sessions);
    },
  });
  new Gauge({
    name: 'switchboard_media_accepting_calls',
    help: '1 while this media worker takes new calls, 0 while it drains or is full (MEDIA_MAX_CALLS).',
    registers: [registry],
    collect() {
      this.set(state().acceptingCalls ? 1 : 0);
    },
  });
  const turnLatency = new Histogram({
    name: 'switchboard_turn_latency_seconds',
    help: "Caller's input ended (key press, end of speech) to the first audio of the next prompt.",
    labelNames: ['input'] as const,
    buckets: TURN_BUCKETS,
    registers: [registry],
  });
  const providerErrors = new Counter({
    name: 'switchboard_provider_errors_total',
    help: 'Failed attempts of a speech provider (retried or given up).',
    labelNames: ['provider', 'reason'] as const,
    registers: [registry],
  });
  const providerFallbacks = new Counter({
    name: 'switchboard_provider_fallbacks_total',
    help: 'Switches from a failing speech provider to the next one.',
    labelNames: ['from', 'to'] as const,
    registers: [registry],
  });
  const playbackGaps = new Histogram({
    name: 'switchboard_playback_gap_seconds',
    help: "Gaps in a prompt's audio as the caller hears it: the audio source ran dry before the worker pushed the next frame.",
    buckets: GAP_BUCKETS,
    registers: [registry],
  });
  const callerHeard = new Histogram({
    name: 'switchboard_media_caller_heard_wait_seconds',
    help: 'An attach waiting for the caller to subscribe to the agent’s voice before the first prompt (heard="false": never within 1.5 s, spoken to anyway).',
    labelNames: ['heard'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2],
    registers: [registry],
  });
  return {
    turnLatency,
    playbackGaps,
    callerHeard,
    providerErrors,
    providerFallbacks,
    onProviderEvent(event) {
      providerErrors.inc({ provider: event.from, reason: event.reason });
      if (event.type === 'providerFallback') providerFallbacks.inc({ from: event.from, to: event.to ?? 'none' });
    },
  };
}

/** Metrics of the flow worker, from the call events it records. */
export interface FlowMetrics {
  callsAnswered: Counter;
  callsEnded: Counter<'reason'>;
  /** Counts the events of one recorded batch. */
  onEventsRecorded(events: ReadonlyArray<{ type: string; data?: Record<string, unknown> | null }>): void;
}

export function createFlowMetrics(registry: Registry): FlowMetrics {
  const callsAnswered = new Counter({ name: 'switchboard_calls_answered_total', help: 'Calls answered by a flow.', registers: [registry] });
  const callsEnded = new Counter({
    name: 'switchboard_calls_ended_total',
    help: 'Calls ended, by end reason (completed, callerHungUp, mediaUnavailable, …).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return {
    callsAnswered,
    callsEnded,
    onEventsRecorded(events) {
      for (const event of events) {
        if (event.type === 'callAnswered') callsAnswered.inc();
        else if (event.type === 'callEnded') callsEnded.inc({ reason: String(event.data?.reason ?? 'completed') });
      }
    },
  };
}

/** A task queue's statistics as Temporal reports them (DescribeTaskQueue with report_stats). */
export interface TaskQueueStats {
  /** Tasks waiting for a worker. */
  backlog: number;
  /** Age of the oldest waiting task, in seconds (0 when none waits). */
  backlogAgeSeconds: number;
  /** Tasks added and dispatched per second, recently. */
  addRate: number;
  dispatchRate: number;
}

/**
 * What an autoscaler of media workers reads (docs/operations.md): the shared `media` queue's
 * backlog (calls waiting for a worker with room) and its age, from Temporal at scrape time. A failed
 * read leaves the gauges out of that scrape rather than reporting a false 0.
 */
export function createMediaQueueMetrics(registry: Registry, describe: () => Promise<TaskQueueStats>): void {
  let last: Promise<TaskQueueStats | undefined> | undefined;
  // One DescribeTaskQueue per scrape, shared by the four gauges.
  const read = () => {
    last ??= describe().then(
      (stats) => stats,
      () => undefined,
    );
    const current = last;
    setTimeout(() => (last = undefined), 1000).unref();
    return current;
  };
  const gauge = (name: string, help: string, pick: (stats: TaskQueueStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(pick(stats));
        else this.reset();
      },
    });
  gauge('switchboard_media_queue_backlog', 'New calls waiting on the shared media task queue for a media worker with room (Temporal task queue statistics).', (s) => s.backlog);
  gauge('switchboard_media_queue_backlog_age_seconds', 'How long the oldest new call has waited for a media worker.', (s) => s.backlogAgeSeconds);
  gauge('switchboard_media_queue_add_rate', 'Calls added to the shared media task queue per second (recent).', (s) => s.addRate);
  gauge('switchboard_media_queue_dispatch_rate', 'Calls taken from the shared media task queue by media workers per second (recent).', (s) => s.dispatchRate);
}

/** HTTP request durations of the API, by method, route pattern (never the raw path) and status. */
export function createHttpMetrics(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  return new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'API request durations.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

/** A free loopback TCP port (for the Temporal SDK's own metrics endpoint, which /metrics forwards). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runtime telemetry options that make the Temporal SDK (Rust core) serve its metrics on a loopback
 * port; `/metrics` appends them to the process's own (see {@link metricsText}).
 */
export async function temporalMetricsTelemetry(): Promise<{ url: string; telemetryOptions: { metrics: { prometheus: { bindAddress: string } } } }> {
  const port = await freeLoopbackPort();
  return { url: `http://127.0.0.1:${port}/metrics`, telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } };
}

/** The registry's metrics, followed by the Temporal SDK's when `temporalUrl` is given and answers. */
export async function metricsText(registry: Registry, temporalUrl?: string): Promise<string> {
  const own = await registry.metrics();
  if (!temporalUrl) return own;
  const sdk = await fetch(temporalUrl, { signal: AbortSignal.timeout(2000) }).then(
    (response) => (response.ok ? response.text() : ''),
    () => '',
  );
  return sdk ? `${own}\n${sdk}` : own;
}
