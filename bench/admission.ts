/**
 * Admission: how fast inbound calls become running workflows. Signed LiveKit `participant_joined`
 * webhooks (a SIP caller in a new room, as LiveKit SIP sends them) go to the API of a real stack
 * (PostgreSQL, the Temporal dev server, the flow worker), each for a new call of a published flow's
 * number. The API answers once the call's row is stored and Temporal has started its workflow, so
 * the answer's time is webhook → workflow started. Measures
 *   - at a fixed offered rate (ADMISSION_RATE per second, default 100, for ADMISSION_SECONDS,
 *     default 10; open loop: a slow answer does not slow the next webhook): p50 / p99 of
 *     webhook → started, and the starts per second sustained;
 *   - as fast as it goes (ADMISSION_CONCURRENCY webhooks in flight, default 32, for 5 s): the most
 *     starts per second.
 * The started calls wait for a media worker that never comes (none runs here), as calls queued at a
 * full deployment would; the flow worker runs their first workflow tasks meanwhile.
 * `npm run bench -- admission`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ParticipantInfo, ParticipantInfo_Kind, Room, WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { salesSupportSample } from '@switchboard/flow-model';
import { startStack, type Stack } from '../test/support/stack';
import { percentile, type Figure } from './report';

const rate = Number(process.env.ADMISSION_RATE ?? 100);
const seconds = Number(process.env.ADMISSION_SECONDS ?? 10);
const concurrency = Number(process.env.ADMISSION_CONCURRENCY ?? 32);
const BURST_SECONDS = 5;
const NUMBER = '+14155550177';

interface Webhook {
  body: string;
  authorization: string;
}

/** A SIP caller joining a new room, signed as LiveKit server signs its webhooks. */
async function sipCallerJoined(stack: Stack): Promise<Webhook> {
  const id = randomUUID();
  const body = new WebhookEvent({
    event: 'participant_joined',
    id: `EV_${id}`,
    createdAt: BigInt(Math.floor(Date.now() / 1000)),
    room: new Room({ name: `bench-admission-${id}`, sid: `RM_${id}` }),
    participant: new ParticipantInfo({
      identity: `sip_${id}`,
      sid: `PA_${id}`,
      kind: ParticipantInfo_Kind.SIP,
      attributes: { 'sip.ruleID': 'SDR_bench', 'sip.callID': `SCL_${id}`, 'sip.trunkPhoneNumber': NUMBER, 'sip.phoneNumber': '+14155550100' },
    }),
  }).toJsonString();
  const token = new AccessToken(stack.liveKit.apiKey, stack.liveKit.apiSecret, { ttl: '10m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return { body, authorization: await token.toJwt() };
}

/** Posts one webhook; its time in ms, or the reason it did not start a call. */
async function admit(stack: Stack, webhook: Webhook): Promise<{ ms: number } | { error: string }> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${stack.api}/api/livekit/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: webhook.authorization },
      body: webhook.body,
    });
    const answer = (await response.json()) as { started?: boolean; code?: string };
    if (!response.ok || answer.started !== true) return { error: `HTTP ${response.status} ${answer.code ?? (answer.started === false ? 'not started' : '')}` };
    return { ms: performance.now() - startedAt };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export async function benchAdmission(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false, flowWorker: process.env.ADMISSION_FLOW_WORKER !== '0', sip: { redisDb: 14 } });
  try {
    const flow = await stack.post('/api/flows', { name: 'Admission bench', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });
    const errors = new Map<string, number>();
    const noteError = (error: string) => errors.set(error, (errors.get(error) ?? 0) + 1);

    // Warm-up: connections, prepared statements, the workflow bundle's first tasks.
    for (let i = 0; i < 20; i++) await admit(stack, await sipCallerJoined(stack));

    // Open loop at the offered rate; webhooks are signed beforehand so signing costs nothing here.
    const offered = Math.round(rate * seconds);
    const webhooks = await Promise.all(Array.from({ length: offered }, () => sipCallerJoined(stack)));
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    const begin = performance.now();
    let lastAnswerAt = begin;
    await Promise.all(
      webhooks.map(async (webhook, index) => {
        const due = begin + (index * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const result = await admit(stack, webhook);
        lastAnswerAt = Math.max(lastAnswerAt, performance.now());
        if ('ms' in result) times.push(result.ms);
        else noteError(result.error);
      }),
    );
    const sustained = times.length / ((lastAnswerAt - begin) / 1000);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerCall = (cpu.user + cpu.system) / 1000 / Math.max(1, times.length);

    // Closed loop: `concurrency` webhooks in flight for BURST_SECONDS.
    let burstStarts = 0;
    const burstBegin = performance.now();
    const burstEnd = burstBegin + BURST_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < burstEnd) {
          const result = await admit(stack, await sipCallerJoined(stack));
          if ('ms' in result) burstStarts++;
          else noteError(result.error);
        }
      }),
    );
    const burstRate = burstStarts / ((performance.now() - burstBegin) / 1000);
    for (const [error, count] of errors) console.warn(`admission bench: ${count} webhook(s) failed: ${error}`);

    const failed = [...errors.values()].reduce((sum, count) => sum + count, 0);
    return [
      { name: 'admission_webhook_to_started_p50', value: Math.round(percentile(times, 50) * 10) / 10, unit: 'ms', note: `signed LiveKit webhook → call row stored and workflow started; ${rate}/s offered for ${seconds} s, n=${times.length}` },
      { name: 'admission_webhook_to_started_p99', value: Math.round(percentile(times, 99) * 10) / 10, unit: 'ms', note: 'the same, p99 (target ≤ 50 ms)' },
      { name: 'admission_sustained_starts_per_s', value: Math.round(sustained), unit: '/s', note: `calls started per second at ${rate}/s offered (target ≥ 100)` },
      { name: 'admission_cpu_per_call', value: Math.round(cpuPerCall * 10) / 10, unit: 'ms', note: 'CPU of the API and flow worker process (all its threads, workflows included) per call started at the offered rate' },
      { name: 'admission_max_starts_per_s', value: Math.round(burstRate), unit: '/s', note: `${concurrency} webhooks in flight for ${BURST_SECONDS} s` },
      { name: 'admission_failed_webhooks', value: failed, unit: 'webhooks', note: 'answered with an error or not started (each reason is printed)' },
    ];
  } finally {
    await stack.stop();
  }
}
