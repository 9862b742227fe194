/**
 * Call monitoring: how fast stored call events reach a dashboard, and whether the dashboard stays
 * responsive while many calls run.
 *
 *   1. Event → WebSocket latency: one call's events are written one batch at a time with the real
 *      `recordCallEvents` activity (transaction + NOTIFY); a WebSocket client (the `ws` package,
 *      the same protocol a browser speaks) on `/api/live` timestamps each arrival. Latency runs from
 *      the moment the write is called (so it includes the insert and the commit) to receipt.
 *   2. 100 concurrent calls: real `callFlow` workflows on the Temporal dev server, started through
 *      `POST /api/calls`, with the real flow worker writing events to PostgreSQL. Media is
 *      synthetic: a stand-in media worker answers attach/say/menu/hangup after realistic delays
 *      (prompt length, a caller pressing a key after 1–3 s) instead of joining LiveKit rooms,
 *      because 100 rooms of real audio (espeak-ng, VAD, resampling) do not fit on 2 cores.
 *      The API runs as its own process (api/server.ts), as in production; the flow worker, the
 *      stand-in media worker and the bench's clients share this process.
 *      During the run: p95 of GET /api/calls and GET /api/call-history?status=live, and at 3
 *      WebSocket clients: commit → receipt (the commit's NOTIFY as seen by an independent LISTEN
 *      connection, to the frame's arrival; the last event of each batch) and emit → receipt (the
 *      workflow's timestamp of the event, so it includes Temporal getting recordCallEvents run).
 *
 * `npm run bench -- monitor` (MONITOR_CALLS=n to change the number of concurrent calls).
 */
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { salesSupportSample } from '@switchboard/flow-model';
import WebSocket from 'ws';
import { createCallActivities } from '../activities/calls/activities';
import type { CallEventRecord } from '../activities/calls/types';
import type { AttachMediaInput, HangupInput, MenuInput, SayInput } from '../activities/media/contract';
import { calls, DEFAULT_WORKSPACE_ID } from '../db/schema';
import type { LiveMessage } from '../lib/contracts/api-responses';
import { startProcess } from '../test/support/processes';
import { startStack, type Stack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { summarize, type Figure } from './report';
import { encryptingDataConverter } from '../lib/privacy/payload-codec';

const CONCURRENT_CALLS = Number(process.env.MONITOR_CALLS ?? 100);
const LATENCY_EVENTS = 300;

interface LiveClient {
  received: { message: Extract<LiveMessage, { type: 'event' }>; at: number }[];
  close(): void;
}

/** The stack owner's API key (`Authorization: Bearer …`): the API and /api/live need one. */
let auth: Record<string, string> = {};

async function liveClient(api: string, onEvent?: (message: Extract<LiveMessage, { type: 'event' }>, at: number) => void): Promise<LiveClient> {
  const socket = new WebSocket(`${api.replace('http', 'ws')}/api/live`, { headers: auth });
  const received: LiveClient['received'] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const at = performance.timeOrigin + performance.now();
      const message = JSON.parse(String(data)) as LiveMessage;
      if (message.type === 'ready') return resolve();
      received.push({ message, at });
      onEvent?.(message, at);
    });
    socket.once('error', reject);
  });
  return { received, close: () => socket.close() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps while heartbeating, as a media activity playing audio would. */
async function busy(ms: number): Promise<void> {
  const context = Context.current();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    context.heartbeat();
    await sleep(Math.min(500, end - Date.now()));
  }
}

async function eventLatency(stack: Stack, api: string): Promise<Figure[]> {
  const callId = uniqueName('bench-live');
  await stack.database.db.insert(calls).values({ id: callId, workspaceId: DEFAULT_WORKSPACE_ID, roomName: callId, workflowId: `call-${callId}` });
  const { recordCallEvents } = createCallActivities(stack.database.db);
  const arrivals = new Map<number, number>();
  const client = await liveClient(api, (message, at) => arrivals.set(message.event.seq, at));
  const latencies: number[] = [];
  const writes: number[] = [];
  for (let seq = 1; seq <= LATENCY_EVENTS; seq++) {
    const event: CallEventRecord = { seq, type: 'nodeEntered', nodeId: `n${seq}`, at: Date.now(), data: { label: `Step ${seq}` } };
    const called = performance.timeOrigin + performance.now();
    await recordCallEvents({ callId, workspaceId: DEFAULT_WORKSPACE_ID, events: [event] });
    writes.push(performance.timeOrigin + performance.now() - called);
    const deadline = Date.now() + 5000;
    while (!arrivals.has(seq) && Date.now() < deadline) await sleep(1);
    const arrived = arrivals.get(seq);
    if (arrived === undefined) throw new Error(`event ${seq} never arrived over the WebSocket`);
    latencies.push(arrived - called);
    await sleep(5 + (seq % 7) * 3);
  }
  client.close();
  return [...summarize('monitor_event_to_ws', latencies, 'ms', [50, 95, 99]), ...summarize('monitor_event_write', writes, 'ms', [50, 95])];
}

async function concurrentCalls(stack: Stack, api: string): Promise<Figure[]> {
  const flow = await stack.post('/api/flows', { name: 'Monitor bench', graph: salesSupportSample.graph });
  await stack.post(`/api/flows/${flow.id}/versions`, {});
  await stack.post('/api/phone-triggers', { phoneNumber: '+14155550166', flowId: flow.id });

  // The stand-in media worker: the shared `media` queue hands out its own queue, as a real one does.
  const ownQueue = uniqueName('media-synthetic');
  const media = await Promise.all([
    Worker.create({
      connection: stack.temporal.nativeConnection,
      // Payloads are encrypted by the stack's clients and workers: this stand-in decrypts them too.
      dataConverter: encryptingDataConverter(stack.privacy.payloadKeys),
      taskQueue: 'media',
      activities: {
        async attachMedia(_input: AttachMediaInput) {
          await sleep(200 + Math.random() * 300);
          return { taskQueue: ownQueue, workerId: 'synthetic' };
        },
      },
    }),
    Worker.create({
      connection: stack.temporal.nativeConnection,
      dataConverter: encryptingDataConverter(stack.privacy.payloadKeys),
      taskQueue: ownQueue,
      maxConcurrentActivityTaskExecutions: CONCURRENT_CALLS * 2,
      activities: {
        async say(input: SayInput) {
          const playedMs = input.text.length * 60;
          await busy(playedMs);
          return { playedMs, interrupted: false };
        },
        async menu(input: MenuInput) {
          const playedMs = input.prompt.length * 60;
          await busy(playedMs + 1000 + Math.random() * 2000);
          return { playedMs, interrupted: false, digit: Math.random() < 0.5 ? '1' : '2' };
        },
        async hangup(input: HangupInput) {
          await busy((input.farewell?.length ?? 0) * 60);
        },
      },
    }),
  ]);
  const running = Promise.all(media.map((worker) => worker.run()));

  // An independent LISTEN connection timestamps each commit's notification, so the stream's own
  // part (notification → read → WebSocket frame) can be told apart from the time the workflow
  // takes, under load, to get its recordCallEvents activity run.
  const notifiedAt = new Map<number, number>();
  const listener = await stack.database.pool.connect();
  listener.on('notification', (message) => {
    const at = performance.timeOrigin + performance.now();
    notifiedAt.set((JSON.parse(message.payload ?? '{}') as { lastId: number }).lastId, at);
  });
  await listener.query('listen call_events');
  const emitToWs: number[] = [];
  const commitToWs: number[] = [];
  const clients = await Promise.all(
    [0, 1, 2].map(() =>
      liveClient(api, (message, at) => {
        emitToWs.push(at - Date.parse(message.event.occurredAt));
        const committed = notifiedAt.get(message.event.id);
        if (committed !== undefined) commitToWs.push(at - committed);
      }),
    ),
  );
  const listCalls: number[] = [];
  const listLive: number[] = [];
  let loading = true;
  const timed = async (path: string, into: number[]) => {
    const start = performance.now();
    const response = await fetch(`${api}${path}`, { headers: auth });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    into.push(performance.now() - start);
  };
  // A dashboard polling its lists twice a second while the calls run.
  const dashboard = (async () => {
    while (loading) {
      await Promise.all([timed('/api/calls?limit=100', listCalls), timed('/api/call-history?status=live&limit=200', listLive)]);
      await sleep(500);
    }
  })();

  let maxLive = 0;
  const watcher = (async () => {
    while (loading) {
      const page = (await (await fetch(`${api}/api/call-history?status=live&limit=1&flowId=${flow.id}`, { headers: auth })).json()) as { total: number };
      maxLive = Math.max(maxLive, page.total);
      await sleep(250);
    }
  })();

  const started = Date.now();
  const handles = await Promise.all(
    Array.from({ length: CONCURRENT_CALLS }, async (_, i) => {
      await sleep(i * 20); // all within two seconds
      const result = await post(api, '/api/calls', { roomName: uniqueName('bench-monitor'), calledNumber: '+14155550166', callerNumber: `+1415555${String(2000 + i)}` });
      return stack.temporal.client.workflow.getHandle(result.workflowId);
    }),
  );
  const results = await Promise.all(handles.map((handle) => handle.result()));
  const elapsedMs = Date.now() - started;
  // Let the last events arrive.
  await sleep(1000);
  loading = false;
  await Promise.all([dashboard, watcher]);
  for (const client of clients) client.close();
  await listener.query('unlisten call_events');
  listener.release();
  for (const worker of media) worker.shutdown();
  await running;

  const completed = results.filter((result) => result.endReason === 'completed').length;
  const stored = await stack.database.pool.query(`select count(*)::int as n from call_events e join calls c on c.id = e.call_id where c.flow_id = $1`, [flow.id]);
  const storedEvents = Number(stored.rows[0].n);
  const perClient = clients.map((client) => client.received.filter((r) => r.message.call.flowId === flow.id).length);
  if (perClient.some((n) => n !== storedEvents)) throw new Error(`WebSocket clients got ${perClient.join('/')} events, ${storedEvents} stored`);
  return [
    { name: 'monitor_load_calls', value: CONCURRENT_CALLS, unit: 'calls', note: `${completed} completed, peak ${maxLive} live at once, ${Math.round(elapsedMs / 100) / 10} s` },
    { name: 'monitor_load_peak_live_calls', value: maxLive, unit: 'calls' },
    { name: 'monitor_load_events_delivered', value: storedEvents, unit: 'events', note: 'to each of 3 WebSocket clients, all of them, once' },
    ...summarize('monitor_load_get_calls', listCalls, 'ms', [50, 95]),
    ...summarize('monitor_load_get_live_calls', listLive, 'ms', [50, 95]),
    ...summarize('monitor_load_commit_to_ws', commitToWs, 'ms', [50, 95]),
    ...summarize('monitor_load_emit_to_ws', emitToWs, 'ms', [50, 95]),
  ];
}

async function post(api: string, path: string, body: unknown) {
  const response = await fetch(`${api}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as { workflowId: string };
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export async function benchMonitor(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false });
  auth = stack.authHeaders;
  // The dashboard's API in a process of its own, as `npm start` runs it (api/server.ts), so the
  // figures are not those of an API sharing its event loop with this process's flow worker.
  const apiProcess = await startProcess('api/server.ts', { ...stack.processEnv, LOG_LEVEL: 'warn' }, 'PORT');
  const api = apiProcess.healthUrl.replace(/\/healthz$/, '');
  try {
    const latency = await eventLatency(stack, api);
    const load = await concurrentCalls(stack, api);
    return [...latency, ...load];
  } finally {
    apiProcess.child.kill('SIGTERM');
    await apiProcess.exited;
    await stack.stop();
  }
}
