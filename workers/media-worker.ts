/**
 * The media worker: one process, two Temporal workers (the worker-specific task queue pattern).
 * The shared `media` queue hands out new calls (`attachMedia` joins the room); this process's own
 * queue `media-<workerId>` runs the node activities on the sessions it owns.
 * `node --import tsx workers/media-worker.ts`
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { dispose } from '@livekit/rtc-node';
import { createMediaActivities, SessionRegistry } from '../activities/media/activities';
import { EspeakTts } from '../activities/media/espeak-tts';
import { joinRoom } from '../activities/media/livekit-session';
import { PocketsphinxStt } from '../activities/media/stt/pocketsphinx-stt';
import { SileroVad } from '../activities/media/vad/silero-vad';
import { DtmfDetector } from '../activities/media/dtmf/index';
import { SipClient } from 'livekit-server-sdk';
import { liveKitHttpUrl } from '../lib/env';
import type { SpeechToText, TextToSpeech, VoiceActivityDetector } from '../activities/media/types';
import type { ProviderEvent } from '../activities/media/providers/fallback';
import { readEnv } from '../lib/env';
import { LocalBlobStore, type BlobStore } from '../lib/blob-store';
import { createLogger, temporalLogger, type Logger } from '../lib/logger';
import { createMediaMetrics, createMetricsRegistry, metricsText, temporalMetricsTelemetry, type MediaMetrics } from '../lib/metrics';
import { MEDIA_ATTACH_TASK_QUEUE, callWorkflowId, callerHungUpSignal, getStateQuery } from '../lib/contracts/temporal';
import { CallCapacity } from './call-capacity';
import { serveHealth } from './health';
import { mediaWatchUrl, serveMediaWatch } from './media-watch';
import { anotherWorkerTakesCalls, recycleThreshold } from './recycle';
import { mediaQueuePollers } from './media-queue';
import { MEDIA_WATCH_PATH, mediaWorkerIdentity } from '../lib/contracts/media-watch';
import type { AddressInfo } from 'node:net';
import { PromptCache } from '../activities/media/prompt-cache';
import { createPromptActivities } from '../activities/media/prompt-activities';
import { createVoiceProviders, type VoiceCatalog } from './voice-providers';
import { readPrivacyKeys } from '../lib/privacy/keys';
import { encryptingDataConverter } from '../lib/privacy/payload-codec';
import { EncryptedBlobStore } from '../lib/privacy/encrypted-blob-store';
import { credentialContext, decryptSecret, loadSecretKey } from '../lib/secrets';
import type { Env } from '../lib/env';
import type { MediaActivityDeps } from '../activities/media/activities';

/** How often a worker past its recycling threshold looks for another worker taking calls. */
const RECYCLE_CHECK_MS = 5000;

export interface MediaWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace?: string;
  liveKit: { url: string; apiKey: string; apiSecret: string };
  tts?: TextToSpeech;
  /** Recognizer for listen and spoken menus (default: offline PocketSphinx). */
  stt?: SpeechToText;
  /**
   * Providers a call (its trigger) or a node may choose, with the worker's others as fallbacks.
   * Without it every call uses `tts` / `stt`.
   */
  voices?: VoiceCatalog;
  /** Voice activity detector (default: Silero VAD). */
  vad?: VoiceActivityDetector;
  /** Also detect DTMF tones sent in the caller's audio (default true). */
  inbandDtmf?: boolean;
  /** Uploaded audio and recordings. */
  blobs: BlobStore;
  /** AI agent steps' language model settings (see {@link agentSettings}). */
  agent?: MediaActivityDeps['agent'];
  attachTaskQueue?: string;
  workerId?: string;
  /** Calls this worker takes at once; a full worker stops polling for new calls (default 100). */
  maxCalls?: number;
  logger: Logger;
  /** Turn latency goes to its histogram. */
  metrics?: Pick<MediaMetrics, 'turnLatency' | 'playbackGaps' | 'callerHeard'>;
  /** Encrypts payloads (lib/privacy/payload-codec.ts). */
  dataConverter?: WorkerOptions['dataConverter'];
  /**
   * This worker's watch address (workers/media-watch.ts); calls it attaches are watched through it.
   * Known when the worker is created, it is also in the worker's Temporal identity, where flow
   * workers find it to pick a live worker that takes a call over (activities/calls/media-pick.ts).
   */
  watchUrl?: string;
}

export interface MediaWorker {
  workerId: string;
  taskQueue: string;
  sessions: SessionRegistry;
  /** Speech synthesis through the shared prompt cache. */
  promptCache: PromptCache;
  acceptingCalls(): boolean;
  /** True while the worker owns `maxCalls` calls: it takes no new one until one ends. */
  full(): boolean;
  /** States of the two Temporal workers: the shared attach queue's and this worker's own queue's. */
  states(): { attach: string; session: string };
  /** Runs both workers until drain() or shutdown() completes. */
  run(): Promise<void>;
  /** Stops taking new calls, waits (bounded) for the calls it owns to end, then stops. */
  drain(timeoutMs: number): Promise<void>;
  /** Stops at once; calls it owns move to another worker when their next activity times out. */
  shutdown(): Promise<void>;
}

/**
 * AI agent steps' model settings from the environment: LLM_BASE_URL (else OPENAI_BASE_URL) and
 * LLM_API_KEY (else OPENAI_API_KEY) serve steps that name no endpoint or whose workspace stored no
 * key; a stored key arrives sealed and is opened here with SWITCHBOARD_SECRET_KEY (or its key file),
 * read on first use. `secretKey` replaces that key (tests).
 */
export function agentSettings(env: Env, secretKey?: Buffer): NonNullable<MediaActivityDeps['agent']> {
  let key = secretKey;
  // Compose passes unset variables as empty strings.
  const apiKey = env.LLM_API_KEY || env.OPENAI_API_KEY;
  return {
    baseUrl: env.LLM_BASE_URL || env.OPENAI_BASE_URL,
    ...(apiKey ? { apiKey } : {}),
    unsealKey: (sealed, workspaceId, credential) => {
      key ??= loadSecretKey(process.env);
      return decryptSecret(key, sealed, credentialContext(workspaceId, credential));
    },
  };
}

/** A media worker's id: its host, process and a random part (a restarted process on the same pid is another worker). */
export function newMediaWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export async function createMediaWorker(options: MediaWorkerOptions): Promise<MediaWorker> {
  const workerId = options.workerId ?? newMediaWorkerId();
  const taskQueue = `media-${workerId}`;
  const namespace = options.namespace ?? 'default';
  // Static prompts come from the shared prompt cache; everything else from the provider(s).
  const tts = new PromptCache(options.tts ?? new EspeakTts(), options.blobs);
  const ownStt = options.stt ? undefined : new PocketsphinxStt();
  const stt = options.stt ?? (ownStt as SpeechToText);
  const ownVad = options.vad ? undefined : await SileroVad.load();
  const vad = options.vad ?? (ownVad as VoiceActivityDetector);
  const inbandDtmf = options.inbandDtmf ?? true;
  const sip = new SipClient(liveKitHttpUrl(options.liveKit.url), options.liveKit.apiKey, options.liveKit.apiSecret);
  const sessions = new SessionRegistry();
  const maxCalls = options.maxCalls ?? 8;
  const capacity = new CallCapacity(maxCalls, () => sessions.size);
  let accepting = true;

  const activities = createMediaActivities(
    {
      workerId,
      taskQueue,
      ...(options.watchUrl ? { watchUrl: options.watchUrl } : {}),
      logger: options.logger,
      acceptingCalls: () => accepting,
      blobs: options.blobs,
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.voices ? { providers: perCallProviders(options.voices, tts) } : {}),
      ...(options.metrics ? { onTurn: (input: 'digit' | 'speech', latencyMs: number) => options.metrics?.turnLatency.observe({ input }, latencyMs / 1000) } : {}),
      ...(options.metrics
        ? { onCallerHeard: (waitedMs: number, heard: boolean) => options.metrics?.callerHeard.observe({ heard: String(heard) }, waitedMs / 1000) }
        : {}),
      joinRoom: (roomName, identity) =>
        joinRoom({
          ...options.liveKit,
          roomName,
          identity,
          tts,
          stt,
          vad,
          ...(inbandDtmf ? { createInbandDtmfDetector: (sampleRate: number) => new DtmfDetector({ sampleRate }) } : {}),
          ...(options.metrics ? { onPlaybackGap: (gapMs: number) => options.metrics?.playbackGaps.observe(gapMs / 1000) } : {}),
        }),
      transferCall: (roomName, identity, to, { ringingTone }) => sip.transferSipParticipant(roomName, identity, to, { playDialtone: ringingTone }),
      notifyCallerHungUp: async (callId) => {
        const handle = options.client.workflow.getHandle(callWorkflowId(callId));
        // A worker the call was taken from (declared lost, e.g. after a long pause) sees its room
        // connection end when it wakes: that is no hang-up, and must not end the call.
        const lost = await handle.query(getStateQuery).then((state) => state.lostMediaWorkers?.includes(workerId), () => false);
        if (lost) return;
        await handle.signal(callerHungUpSignal);
      },
    },
    sessions,
  );
  const { attachMedia, ...nodeActivities } = activities;
  const voices = options.voices;
  const promptActivities = createPromptActivities({
    cache: tts,
    blobs: options.blobs,
    logger: options.logger,
    // A fresh chain per caching run, as a call builds one: cached under the label its calls look up.
    ...(voices ? { warmChain: (provider: string | undefined, onEvent: (event: ProviderEvent) => void) => tts.via(voices.tts(provider, { onEvent })) } : {}),
  });

  // Flow workers read a media worker's id and watch address from its identity (pickMediaWorker).
  const identity = options.watchUrl ? { identity: mediaWorkerIdentity(workerId, options.watchUrl) } : {};
  const attachWorker = await Worker.create({
    connection: options.connection,
    namespace,
    ...identity,
    taskQueue: options.attachTaskQueue ?? MEDIA_ATTACH_TASK_QUEUE,
    activities: { attachMedia, ...promptActivities },
    tuner: capacity.tuner(),
    // One poll at a time: a hung (stopped) worker leaves its waiting polls with the server, which hands
    // them the next calls' attach tasks; each costs a heartbeat timeout before another worker gets it.
    // (The SDK ignores `maxConcurrentActivityTaskPolls` when a tuner is set: with one, it polled ten at
    // once, and a stopped worker swallowed up to ten re-attach attempts.)
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 },
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
  // The own queue also takes `attachMedia`: a call taken over from a lost worker comes here when a
  // flow worker picked this one (alive, with room), so a stopped worker's poll on the shared queue
  // cannot take it.
  const sessionWorker = await Worker.create({
    connection: options.connection,
    namespace,
    ...identity,
    taskQueue,
    activities: { attachMedia, ...nodeActivities },
    maxConcurrentActivityTaskExecutions: maxCalls * 2,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });

  let running: Promise<void> | undefined;
  const stopBoth = async () => {
    if (attachWorker.getState() === 'RUNNING') attachWorker.shutdown();
    if (sessionWorker.getState() === 'RUNNING') sessionWorker.shutdown();
    await running;
    await sessions.closeAll();
    ownStt?.close();
    await ownVad?.close();
  };
  return {
    workerId,
    taskQueue,
    sessions,
    promptCache: tts,
    acceptingCalls: () => accepting,
    full: () => capacity.full,
    states: () => ({ attach: attachWorker.getState(), session: sessionWorker.getState() }),
    run() {
      running ??= Promise.all([attachWorker.run(), sessionWorker.run()]).then(() => undefined);
      return running;
    },
    async drain(timeoutMs) {
      accepting = false;
      if (attachWorker.getState() === 'RUNNING') attachWorker.shutdown();
      const deadline = Date.now() + timeoutMs;
      while (sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      await stopBoth();
    },
    async shutdown() {
      accepting = false;
      await stopBoth();
    },
  };
}

/** Per-call chains from the catalog; synthesis goes through the shared prompt cache. */
function perCallProviders(voices: VoiceCatalog, cache: PromptCache) {
  return {
    tts: (preferred: string | undefined, onEvent: (event: ProviderEvent) => void) => cache.via(voices.tts(preferred, { onEvent })),
    stt: (preferred: string | undefined, onEvent: (event: ProviderEvent) => void) => voices.stt(preferred, { onEvent }),
  };
}

async function main(): Promise<void> {
  const env = readEnv();
  const logger = createLogger('media-worker', env.LOG_LEVEL);
  // This process drains on SIGTERM itself instead of the SDK's immediate shutdown.
  const sdkMetrics = await temporalMetricsTelemetry();
  Runtime.install({ shutdownSignals: [], logger: temporalLogger(logger), telemetryOptions: sdkMetrics.telemetryOptions });
  const registry = createMetricsRegistry('media-worker');
  // The metrics exist before the worker (which records turn latency in them) and read it at scrape time.
  const created: { worker?: MediaWorker } = {};
  const metrics = createMediaMetrics(registry, () => ({
    sessions: created.worker?.sessions.size ?? 0,
    acceptingCalls: Boolean(created.worker?.acceptingCalls() && !created.worker.full()),
    maxCalls: env.MEDIA_MAX_CALLS,
    ...(created.worker ? { promptCache: created.worker.promptCache.stats } : {}),
  }));
  const privacy = readPrivacyKeys(env);
  const dataConverter = encryptingDataConverter(privacy.payloadKeys);
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE, dataConverter });
  const voices = createVoiceProviders(env, logger, metrics.onProviderEvent);
  // The health server comes first: the worker's watch address goes into its Temporal identity.
  const workerId = newMediaWorkerId();
  const report = (media: MediaWorker) => ({
    workerId: media.workerId,
    taskQueue: media.taskQueue,
    sessions: media.sessions.size,
    maxCalls: env.MEDIA_MAX_CALLS,
    acceptingCalls: media.acceptingCalls() && !media.full(),
    draining: !media.acceptingCalls(),
    full: media.full(),
    workers: media.states(),
  });
  const starting = { healthy: false, workerId, starting: true };
  const health = await serveHealth(
    env.MEDIA_WORKER_HEALTH_PORT,
    {
      // Live while its own queue is served (a draining worker is still finishing calls).
      live: () => {
        const media = created.worker;
        return media ? { healthy: !['FAILED', 'STOPPED'].includes(media.states().session), ...report(media) } : starting;
      },
      // Ready while it takes new calls: not draining, not full.
      ready: () => {
        const media = created.worker;
        return media ? { healthy: media.acceptingCalls() && !media.full() && media.states().attach === 'RUNNING', ...report(media) } : starting;
      },
      metrics: () => metricsText(registry, sdkMetrics.url),
      // Flow workers watch each call's worker through this: a dead process is noticed at once.
      routes: { [MEDIA_WATCH_PATH]: serveMediaWatch({ workerId, audioMs: (callId) => created.worker?.sessions.audioMs(callId) }) },
    },
    env.LISTEN_HOST,
  );
  const watchUrl = mediaWatchUrl((health.address() as AddressInfo).port, env.LISTEN_HOST, env.MEDIA_WORKER_ADVERTISE_HOST);
  const media = await createMediaWorker({
    workerId,
    tts: voices.tts,
    stt: voices.stt,
    voices: voices.catalog,
    connection,
    client,
    namespace: env.TEMPORAL_NAMESPACE,
    liveKit: { url: env.LIVEKIT_URL, apiKey: env.LIVEKIT_API_KEY, apiSecret: env.LIVEKIT_API_SECRET },
    maxCalls: env.MEDIA_MAX_CALLS,
    // Recordings and uploaded audio encrypted at rest; cached prompts (no personal data) stay plain.
    blobs: new EncryptedBlobStore(new LocalBlobStore(env.SWITCHBOARD_STORAGE_DIR), privacy.storageKeys),
    agent: agentSettings(env),
    logger,
    metrics,
    dataConverter,
    watchUrl,
  });
  created.worker = media;
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal }, 'second signal: stopping now');
      void media.shutdown();
      return;
    }
    draining = true;
    logger.info({ signal, sessions: media.sessions.size }, 'draining: no new calls, finishing the calls in progress');
    void media.drain(env.MEDIA_DRAIN_TIMEOUT_MS);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Recycling (workers/recycle.ts): after its share of calls, drain and let the supervisor restart it.
  const recycleAt = recycleThreshold(env.MEDIA_RECYCLE_AFTER_CALLS);
  const ownIdentity = mediaWorkerIdentity(workerId, watchUrl);
  const recycling = setInterval(() => {
    if (draining || media.sessions.taken < recycleAt) return;
    mediaQueuePollers(connection, env.TEMPORAL_NAMESPACE).then(
      (pollers) => {
        if (draining || !anotherWorkerTakesCalls(pollers, ownIdentity, Date.now())) return;
        draining = true;
        logger.info(
          { callsTaken: media.sessions.taken, recycleAfter: env.MEDIA_RECYCLE_AFTER_CALLS, sessions: media.sessions.size },
          'recycling: this worker has taken its share of calls (MEDIA_RECYCLE_AFTER_CALLS); draining, to be started afresh',
        );
        void media.drain(env.MEDIA_DRAIN_TIMEOUT_MS);
      },
      (error: Error) => logger.warn({ err: error.message }, 'recycling: could not read the media queue’s pollers; trying again'),
    );
  }, RECYCLE_CHECK_MS);
  recycling.unref();
  logger.info({ workerId: media.workerId, taskQueue: media.taskQueue, healthPort: env.MEDIA_WORKER_HEALTH_PORT, watchUrl }, 'media worker running');
  await media.run();
  clearInterval(recycling);
  health.close();
  await clientConnection.close();
  await connection.close();
  voices.close();
  // rtc-node keeps the process alive until its native side is released.
  await dispose();
  logger.info('media worker stopped');
  process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    console.error(`media worker failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
