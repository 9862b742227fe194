/**
 * Every environment variable the processes read, with its default, in one place.
 * docs/configuration.md lists them for operators.
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Base of the links from calls to their Temporal UI page; `/temporal` is the UI served by the API behind sign-in. */
  TEMPORAL_UI_URL: z.string().default('/temporal'),
  /** The Temporal UI server the API serves at /temporal/ (started with public path /temporal); empty: not served. */
  TEMPORAL_UI_UPSTREAM: z.string().default('http://127.0.0.1:8233'),
  LIVEKIT_URL: z.string().default('ws://127.0.0.1:7880'),
  LIVEKIT_API_KEY: z.string().default('devkey'),
  LIVEKIT_API_SECRET: z.string().default('secret'),
  /** LiveKit's URL as browsers reach it (test calls from the builder); unset, LIVEKIT_URL. */
  LIVEKIT_PUBLIC_URL: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  PORT: port(3000),
  /** Interface the API and the workers' health/metrics servers listen on (0.0.0.0 in containers). */
  LISTEN_HOST: z.string().default('127.0.0.1'),
  /** A workflow bundle built ahead of time (scripts/build-workflow-bundle.ts); unset, the flow worker bundles at start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  FLOW_WORKER_HEALTH_PORT: port(3001),
  /** `0` turns off the warm-up workflow a flow worker runs as it starts (workers/warm-up.ts). */
  FLOW_WORKER_WARM_UP: z.enum(['0', '1']).default('1'),
  MEDIA_WORKER_HEALTH_PORT: port(3002),
  /**
   * Host or address flow workers reach this media worker's health port at (its watch address,
   * workers/media-watch.ts). Unset: LISTEN_HOST, or the first external IPv4 address when that is
   * 0.0.0.0 (containers).
   */
  MEDIA_WORKER_ADVERTISE_HOST: z.string().optional(),
  /** Calls one media worker takes at once. */
  MEDIA_MAX_CALLS: z.coerce.number().int().min(1).default(8),
  /**
   * How long a new call waits for a media worker with room for it, in milliseconds; when every
   * worker stays full that long, the call is refused (it ends `noCapacity`).
   */
  MEDIA_ADMISSION_WAIT_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  /**
   * A media worker that has taken this many calls drains and exits, to be started again by its
   * supervisor, when another media worker is taking calls (workers/recycle.ts); 0: never. Each
   * LiveKit room session leaves about 0.4 MB behind in rtc-node's native side (docs/operations.md).
   */
  MEDIA_RECYCLE_AFTER_CALLS: z.coerce.number().int().min(0).default(500),
  /** How long a draining media worker waits for its calls to end, in milliseconds. */
  MEDIA_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(5 * 60 * 1000),
  /** Speech providers in order of preference; with several, failures fall back to the next. */
  TTS_PROVIDERS: z.string().default('espeak'),
  STT_PROVIDERS: z.string().default('pocketsphinx'),
  DEEPGRAM_API_KEY: z.string().optional(),
  DEEPGRAM_BASE_URL: z.string().default('wss://api.deepgram.com'),
  ELEVENLABS_API_KEY: z.string().optional(),
  ELEVENLABS_BASE_URL: z.string().default('https://api.elevenlabs.io'),
  ELEVENLABS_VOICE_ID: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().default('https://api.openai.com/v1'),
  /** AI agent steps: the OpenAI-compatible chat-completions endpoint a step without a base URL uses. */
  LLM_BASE_URL: z.string().optional(),
  /** AI agent steps: the key used when the workspace stored none (Connections, `llm`). */
  LLM_API_KEY: z.string().optional(),
  /** Folder for uploaded audio and call recordings (shared by the API and media workers). */
  SWITCHBOARD_STORAGE_DIR: z.string().default('data/storage'),
  /** Temporal payload encryption keys, `<keyId>:<base64 32 bytes>`, comma-separated; the first encrypts (docs/privacy.md). Required. */
  TEMPORAL_PAYLOAD_KEYS: z.string().optional(),
  /** Recording and uploaded-audio encryption keys, same format. Required. */
  STORAGE_ENCRYPTION_KEYS: z.string().optional(),
  /** Secret (32+ characters) for the keyed hash of caller numbers in Temporal search attributes. Required. */
  CALLER_HASH_KEY: z.string().optional(),
  /** How often the retention schedule runs, in minutes. */
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  /** How often the API looks for SIP callers whose webhook never started their call (0: never). */
  LIVEKIT_SIP_SWEEP_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof schema>;

/** Names of every variable in the schema (docs/configuration.md must list each; lib/env-docs.test.ts checks). */
export const ENV_NAMES = Object.keys(schema.shape) as Array<keyof Env>;

/** Reads and checks the environment; a bad value stops the process with a message naming it. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid environment: ${details}`);
  }
  refuseDevelopmentLiveKitKeys(parsed.data);
  return parsed.data;
}

/**
 * LiveKit's development credentials (`devkey` / `secret`, what `livekit-server --dev` accepts) are
 * public: anyone who can reach such a server can join every call's room. They are refused unless
 * LiveKit runs on this machine (a loopback address), as `npm start` runs it.
 */
export function refuseDevelopmentLiveKitKeys(env: Pick<Env, 'LIVEKIT_URL' | 'LIVEKIT_API_KEY' | 'LIVEKIT_API_SECRET'>): void {
  if (env.LIVEKIT_API_KEY !== 'devkey' && env.LIVEKIT_API_SECRET !== 'secret') return;
  let host = '';
  try {
    host = new URL(env.LIVEKIT_URL).hostname.replace(/^\[|\]$/g, '');
  } catch {
    // An unparsable URL is not a loopback one.
  }
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return;
  throw new Error(
    `Invalid environment: LIVEKIT_API_KEY / LIVEKIT_API_SECRET are LiveKit's public development credentials (devkey / secret), refused for a LiveKit server that is not on this machine (${env.LIVEKIT_URL}); set the server's own key and secret`,
  );
}

/** http(s) form of a LiveKit ws(s) URL, for the server API. */
export function liveKitHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://');
}

/** MEDIA_ADMISSION_WAIT_MS alone, for where calls start (the API checked the whole environment at start). */
export function mediaAdmissionWaitMs(source: NodeJS.ProcessEnv = process.env): number {
  return schema.shape.MEDIA_ADMISSION_WAIT_MS.parse(source.MEDIA_ADMISSION_WAIT_MS);
}
