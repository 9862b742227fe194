/**
 * Every environment variable the processes read, with its default, in one place.
 * docs/configuration.md lists them for operators.
 */
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Base URL of the Temporal Web UI, used to link calls to their history. */
  TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
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
  MEDIA_WORKER_HEALTH_PORT: port(3002),
  /** Calls one media worker takes at once. */
  MEDIA_MAX_CALLS: z.coerce.number().int().min(1).default(100),
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
  /** Folder for uploaded audio and call recordings (shared by the API and media workers). */
  SWITCHBOARD_STORAGE_DIR: z.string().default('data/storage'),
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
  return parsed.data;
}

/** http(s) form of a LiveKit ws(s) URL, for the server API. */
export function liveKitHttpUrl(url: string): string {
  return url.replace(/^ws(s?):\/\//, 'http$1://');
}
