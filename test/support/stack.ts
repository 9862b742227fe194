/**
 * The whole product in one process for end-to-end tests and benchmarks: a real Temporal dev
 * server, LiveKit server and PostgreSQL database, the API, the flow worker and a media worker.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { dispose } from '@livekit/rtc-node';
import { randomBytes } from 'node:crypto';
import { createApp, liveWorkspaceResolver } from '../../api/app';
import { createTestRunWorker } from '../../workers/scripted-worker';
import { attachCallEventStream } from '../../api/live/call-event-stream';
import { createLogger } from '../../lib/logger';
import { LocalBlobStore, type BlobStore } from '../../lib/blob-store';
import { generatePrivacyEnv, readPrivacyKeys, type PrivacyKeys } from '../../lib/privacy/keys';
import { encryptingDataConverter } from '../../lib/privacy/payload-codec';
import { EncryptedBlobStore } from '../../lib/privacy/encrypted-blob-store';
import { createPrivacyWorker } from '../../workers/privacy-worker';
import { ensureRetentionSchedule } from '../../api/retention-schedule';
import type { SpeechToText } from '../../activities/media/types';
import { createFlowWorker } from '../../workers/flow-worker';
import { agentSettings, createMediaWorker, type MediaWorker } from '../../workers/media-worker';
import { createVoiceProviders } from '../../workers/voice-providers';
import { readEnv } from '../../lib/env';
import { createTestDatabase } from './database';
import { startTestTemporal, workflowBundle } from './temporal';
import { artifactsDir } from './artifacts';
import { createTestAccount, type TestAccount } from './auth';
// @ts-expect-error plain .mjs helper without types
import { findFreePort, startLiveKit } from '../../scripts/lib/services.mjs';

export { artifactsDir };

export interface Stack {
  temporal: TestWorkflowEnvironment;
  /** `logFile`: where LiveKit server writes its log (at `liveKit.logLevel`). */
  liveKit: { url: string; apiKey: string; apiSecret: string; logFile: string };
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  /** The in-process media worker; absent with `{ mediaWorker: false }`. */
  mediaWorker: MediaWorker | undefined;
  /** Environment for a worker process of this stack (TEMPORAL_ADDRESS, LIVEKIT_*, DATABASE_URL). */
  processEnv: Record<string, string>;
  /** Base URL of the API. */
  api: string;
  /** With `{ temporalUi: true }`: the Temporal UI server itself (the API serves it at /temporal/). */
  temporalUiUpstream: string | undefined;
  /** LiveKit webhooks the API verified (with the `sip` option: what LiveKit server sent), in order. */
  liveKitWebhooks: Array<{ event: string; room: string | undefined }>;
  /** The owner of the default workspace (email, password, API key); `post`/`get` use its API key. */
  owner: TestAccount;
  /** `Authorization: Bearer <owner's API key>`, for requests of your own. */
  authHeaders: Record<string, string>;
  /** The stack's blob store (uploaded audio, recordings, cached prompts); encrypts recordings and uploads. */
  blobs: BlobStore;
  /** The folder under it, as files on disk (encrypted where the store encrypts). */
  rawBlobs: LocalBlobStore;
  /** The keys this stack's processes encrypt and hash with (fresh for each stack). */
  privacy: PrivacyKeys;
  /** POST JSON to the API; throws with the response when it is not 2xx. */
  post(path: string, body: unknown): Promise<any>;
  get(path: string): Promise<any>;
  stop(): Promise<void>;
}

/** Redis that the SIP options of the test stack use (LiveKit keeps SIP trunks and rules there). */
export const TEST_REDIS_ADDRESS = process.env.REDIS_ADDRESS ?? '127.0.0.1:6379';

/**
 * `mediaWorker: false` / `flowWorker: false` leave that worker out, for tests that run it as a
 * real process instead (test/support/processes.ts). `sip` runs LiveKit with Redis (database
 * `redisDb`) and its webhooks pointed at the API, and gives the API LiveKit access (SIP
 * provisioning of phone triggers, calls started from LiveKit webhooks with `sipCallMedia`).
 */
export interface StackOptions {
  logLevel?: string;
  mediaWorker?: boolean;
  flowWorker?: boolean;
  sip?: { redisDb?: number; sipCallMedia?: { waitForCallerMs?: number } };
  /** Write the stack's logs (JSON lines) to this file instead of stdout. */
  logFile?: string;
  /** The media worker's recognizer (default: PocketSphinx). */
  stt?: SpeechToText;
  /** Calls the in-process media worker takes at once (default: MediaWorkerOptions' default). */
  mediaMaxCalls?: number;
  /**
   * Speech provider settings of the in-process media worker, as its environment would give them
   * (TTS_PROVIDERS, ELEVENLABS_BASE_URL, …); the defaults are espeak-ng and PocketSphinx.
   */
  voiceEnv?: Record<string, string>;
  /** Run the Temporal UI too, served by the API at /temporal/ as `npm start` does. */
  temporalUi?: boolean;
  /**
   * LiveKit server with Redis (database `redisDb`), as a node of a multi-node deployment: another
   * `startLiveKit` on the same Redis database joins it. `logLevel` of its log (default warn).
   */
  liveKit?: { redisDb?: number; logLevel?: string };
  /** `embedded`: the PGlite server `npm start` runs without DATABASE_URL, instead of PostgreSQL. */
  database?: 'postgres' | 'embedded';
  /** AI agent steps of the in-process media worker: LLM_BASE_URL, LLM_API_KEY and the retry policy. */
  llm?: { baseUrl: string; apiKey?: string; retry?: { maxAttempts?: number; initialBackoffMs?: number } };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  await mkdir(artifactsDir, { recursive: true });
  const privacyEnv = generatePrivacyEnv();
  const privacy = readPrivacyKeys(privacyEnv);
  const dataConverter = encryptingDataConverter(privacy.payloadKeys);
  const apiPort: number = options.sip ? await findFreePort() : 0;
  const uiPort: number | undefined = options.temporalUi ? await findFreePort() : undefined;
  const temporalUiUpstream = uiPort ? `http://127.0.0.1:${uiPort}` : undefined;
  const [temporal, liveKit, database] = await Promise.all([
    startTestTemporal({ dataConverter, ...(uiPort ? { uiPort } : {}) }),
    startLiveKit({
      logFile: `${artifactsDir}livekit-${process.pid}.log`,
      ...(options.liveKit?.logLevel ? { logLevel: options.liveKit.logLevel } : {}),
      ...(options.liveKit?.redisDb !== undefined ? { redisAddress: TEST_REDIS_ADDRESS, redisDb: options.liveKit.redisDb } : {}),
      ...(options.sip
        ? { redisAddress: TEST_REDIS_ADDRESS, redisDb: options.sip.redisDb, webhookUrls: [`http://127.0.0.1:${apiPort}/api/livekit/webhooks`] }
        : {}),
    }) as Promise<Stack['liveKit'] & { stop(): Promise<void> }>,
    createTestDatabase({ embedded: options.database === 'embedded' }),
  ]);
  const logger = createLogger('stack', options.logLevel ?? process.env.E2E_LOG_LEVEL ?? 'warn', options.logFile);
  const storageDir = `${artifactsDir}storage-${process.pid}`;
  const rawBlobs = new LocalBlobStore(storageDir);
  const blobs = new EncryptedBlobStore(rawBlobs, privacy.storageKeys);
  const flowWorker: Worker | undefined =
    options.flowWorker === false
      ? undefined
      : await createFlowWorker({
          connection: temporal.nativeConnection,
          db: database.db,
          liveKit: { url: liveKit.url, apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret },
          workflowBundle: await workflowBundle(),
          dataConverter,
        });
  // A throwaway key for credentials at rest (the API seals with it, the media worker opens AI agent keys).
  const secretKey = randomBytes(32);
  const voices = options.voiceEnv && options.mediaWorker !== false ? createVoiceProviders(readEnv(options.voiceEnv), logger) : undefined;
  const mediaWorker =
    options.mediaWorker === false
      ? undefined
      : await createMediaWorker({
          ...(voices ? { tts: voices.tts, stt: voices.stt, voices: voices.catalog } : {}),
          connection: temporal.nativeConnection,
          client: temporal.client,
          liveKit: { url: liveKit.url, apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret },
          blobs,
          logger,
          dataConverter,
          ...(options.stt ? { stt: options.stt } : {}),
          ...(options.mediaMaxCalls ? { maxCalls: options.mediaMaxCalls } : {}),
          ...(options.llm ? { agent: { ...agentSettings(readEnv({ LLM_BASE_URL: options.llm.baseUrl, ...(options.llm.apiKey ? { LLM_API_KEY: options.llm.apiKey } : {}) }), secretKey), ...(options.llm.retry ? { retry: options.llm.retry } : {}) } } : {}),
        });
  const testRuns = await createTestRunWorker({ connection: temporal.nativeConnection, dataConverter });
  const privacyWorker = await createPrivacyWorker({ connection: temporal.nativeConnection, db: database.db, blobs, client: temporal.client, dataConverter });
  const running = Promise.all([flowWorker?.run(), mediaWorker?.run(), testRuns.run(), privacyWorker.run()]);
  // As the API does at start.
  await ensureRetentionSchedule(temporal.client);
  const liveKitWebhooks: Stack['liveKitWebhooks'] = [];
  const app = createApp({
    onLiveKitWebhook: (event) => liveKitWebhooks.push(event),
    db: database.db,
    temporal: temporal.client,
    logger,
    temporalUiUrl: temporalUiUpstream ? '/temporal' : 'http://127.0.0.1:8233',
    ...(temporalUiUpstream ? { temporalUiUpstream } : {}),
    namespace: 'default',
    blobs,
    privacy,
    ...(options.sip ? { liveKit: { url: liveKit.url, apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret } } : {}),
    ...(options.sip?.sipCallMedia ? { sipCallMedia: options.sip.sipCallMedia } : {}),
    testCallLiveKit: { publicUrl: liveKit.url, apiKey: liveKit.apiKey, apiSecret: liveKit.apiSecret },
    testRuns,
    secretKey,
    rateLimits: { api: 100_000, webhooks: 100_000, signIn: 1000 },
  });
  const owner = await createTestAccount(database.db, { role: 'owner', email: 'owner@example.test' });
  const server: Server = app.listen(apiPort, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const live = attachCallEventStream(server, { pool: database.pool, logger, resolveWorkspace: liveWorkspaceResolver(database.db) });
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { ...owner.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    temporal,
    liveKit,
    database,
    mediaWorker,
    processEnv: {
      TEMPORAL_ADDRESS: temporal.address,
      LIVEKIT_URL: liveKit.url,
      LIVEKIT_API_KEY: liveKit.apiKey,
      LIVEKIT_API_SECRET: liveKit.apiSecret,
      DATABASE_URL: database.url,
      SWITCHBOARD_STORAGE_DIR: storageDir,
      // An API process of this stack (api/server.ts) shares its key and is not rate-limited by a benchmark.
      SWITCHBOARD_SECRET_KEY: secretKey.toString('base64'),
      SWITCHBOARD_API_RATE_LIMIT: '100000',
      ...privacyEnv,
    },
    api,
    temporalUiUpstream,
    blobs,
    rawBlobs,
    privacy,
    liveKitWebhooks,
    owner,
    authHeaders: owner.headers,
    post: (path, body) => request('POST', path, body),
    get: (path) => request('GET', path),
    async stop() {
      await live.close();
      server.close();
      flowWorker?.shutdown();
      privacyWorker.shutdown();
      testRuns.shutdown();
      await mediaWorker?.shutdown();
      await running;
      voices?.close();
      await Promise.allSettled([liveKit.stop(), temporal.teardown(), database.drop()]);
      await dispose();
    },
  };
}
