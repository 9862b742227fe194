/**
 * Media worker capacity: one media worker process takes waves of simultaneous calls (the sample
 * flow, press 2) at rising concurrency. For each wave: how long callers wait after a key press
 * (at the caller), the worker's own turn latency (its /metrics histogram), the worker's CPU per
 * minute of call (its /metrics `process_cpu_seconds_total`), and the gaps in prompt audio (its
 * `switchboard_playback_gap_seconds` histogram: the audio source ran dry before the next frame).
 * The waves stop after the first one with a gap over 40 ms or an unfinished call; the largest wave
 * without is `capacity_max_calls_without_gaps`. The callers run in this process, so on a small
 * machine they compete with the worker for CPU: read the figures as a lower bound of capacity.
 * `npm run bench -- capacity` (CAPACITY_LEVELS=1,4,8 to choose the waves).
 */
import { salesSupportSample } from '@switchboard/flow-model';
import { runVirtualCaller } from '../tools/caller/virtual-caller';
import { metricValue, scrape } from '../test/support/metrics';
import { startProcess } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { uniqueName } from '../test/support/temporal';
import { percentile, type Figure } from './report';

const levels = (process.env.CAPACITY_LEVELS ?? '1,4,8,12,16,24,32').split(',').map(Number).filter((n) => n > 0);
const NUMBER = '+14155550188';

export async function benchCapacity(): Promise<Figure[]> {
  const stack = await startStack({ mediaWorker: false });
  const worker = await startProcess('workers/media-worker.ts', { ...stack.processEnv, LOG_LEVEL: 'warn' }, 'MEDIA_WORKER_HEALTH_PORT');
  const metricsUrl = worker.healthUrl.replace('/healthz', '/metrics');
  const figures: Figure[] = [];
  let largestClean = 0;
  try {
    const flow = await stack.post('/api/flows', { name: 'Capacity', graph: salesSupportSample.graph });
    await stack.post(`/api/flows/${flow.id}/versions`, {});
    await stack.post('/api/phone-triggers', { phoneNumber: NUMBER, flowId: flow.id });

    for (const level of levels) {
      const before = await scrape(metricsUrl);
      const startedAt = Date.now();
      const calls = Array.from({ length: level }, async () => {
        const roomName = uniqueName('capacity');
        const caller = runVirtualCaller({
          ...stack.liveKit,
          roomName,
          silenceHangoverMs: 1200,
          maxDurationMs: 90_000,
          script: [{ press: '2', after: 'promptEnd' }, { waitForPrompt: true }],
        });
        await stack.post('/api/calls', { roomName, calledNumber: NUMBER });
        return caller;
      });
      const heard = await Promise.all(calls);
      const after = await scrape(metricsUrl);
      const callMinutes = heard.reduce((sum, result) => sum + result.durationMs, 0) / 60_000;
      const cpu = metricValue(after, 'process_cpu_seconds_total') - metricValue(before, 'process_cpu_seconds_total');
      const turns = metricValue(after, 'switchboard_turn_latency_seconds_count') - metricValue(before, 'switchboard_turn_latency_seconds_count');
      const turnSum = metricValue(after, 'switchboard_turn_latency_seconds_sum') - metricValue(before, 'switchboard_turn_latency_seconds_sum');
      const waits = heard.flatMap((result) => (result.presses[0]?.digitToNextPromptMs != null ? [result.presses[0].digitToNextPromptMs] : []));
      const completed = heard.filter((result) => result.hungUpByAgent).length;
      const wall = (Date.now() - startedAt) / 1000;
      const gapsOver40 =
        metricValue(after, 'switchboard_playback_gap_seconds_count') -
        metricValue(before, 'switchboard_playback_gap_seconds_count') -
        (metricValue(after, 'switchboard_playback_gap_seconds_bucket', { le: '0.04' }) - metricValue(before, 'switchboard_playback_gap_seconds_bucket', { le: '0.04' }));
      figures.push(
        { name: `capacity_c${level}_completed`, value: completed, unit: 'calls', note: `of ${level} at once, ${wall.toFixed(1)} s` },
        { name: `capacity_c${level}_digit_to_prompt_p95`, value: Math.round(percentile(waits, 95)), unit: 'ms', note: `at the caller, n=${waits.length}` },
        { name: `capacity_c${level}_turn_latency_mean`, value: turns ? Math.round((turnSum / turns) * 1000) : NaN, unit: 'ms', note: `media worker histogram, n=${turns}` },
        { name: `capacity_c${level}_cpu_per_call_minute`, value: Math.round((cpu / callMinutes) * 100) / 100, unit: 's', note: `media worker CPU s per minute of call (${callMinutes.toFixed(2)} call-min)` },
        { name: `capacity_c${level}_gaps_over_40ms`, value: gapsOver40, unit: 'gaps', note: 'prompt audio the worker pushed more than 40 ms late (heard as a break)' },
      );
      if (gapsOver40 > 0 || completed < level) break;
      largestClean = level;
    }
    figures.push({ name: 'capacity_max_calls_without_gaps', value: largestClean, unit: 'calls', note: `largest wave of ${levels.join('/')} with every call finished and no prompt gap over 40 ms` });
  } finally {
    worker.child.kill('SIGKILL');
    await worker.exited;
    await stack.stop();
  }
  return figures;
}
