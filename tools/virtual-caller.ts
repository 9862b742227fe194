/**
 * Virtual caller: joins a call's LiveKit room as the caller, records what the agent says, presses
 * keys on cue, and prints when each prompt started and ended.
 *
 * Usage:
 *   npm run caller -- --dial +14155550100 [--from +14155550199] [--press 2 ...] [--record out.wav]
 *   npm run caller -- --room NAME [--press 2 ...] [--record out.wav] [--json]
 *                     [--url ws://127.0.0.1:7880] [--api-key devkey] [--api-secret secret]
 *                     [--identity caller-1] [--attr sip.phoneNumber=+15550100 ...]
 *                     [--max-duration-ms 60000] [--threshold 300] [--hangover-ms 500]
 *                     [--sample-rate 16000|48000] [--script '<json CallerStep[]>']
 *
 *   --dial NUMBER  Place a call to NUMBER through the Switchboard API (--api, default API_URL or
 *                  http://127.0.0.1:3000): joins a new room and asks the API to run that number's
 *                  flow in it, as an incoming phone call would. --from sets the caller's number.
 *                  Needs a Switchboard API key: --token sb_… or env SWITCHBOARD_API_KEY (create
 *                  one in the app under Settings → Members & API keys).
 *   --room NAME    Join an existing room instead (the call is started some other way).
 *   --say TEXT     After the next prompt ends, say TEXT (espeak-ng) into the call; --say and
 *                  --press steps run in the order given.
 *   --press KEYS   After the next prompt ends, press KEYS ('0'-'9', '*', '#'; several are pressed
 *                  150 ms apart). Repeat for later prompts: `--press 2 --press 1#`.
 *   --script JSON  A full script instead of --press, e.g.
 *                  '[{"waitForPrompt":true},{"press":"2"},{"waitForPrompt":true},{"hangup":true}]'
 *   --record FILE  Write everything heard to a mono WAV; sample 0 is the moment of joining.
 *   --json         Print the result as JSON instead of a table.
 *
 * The caller stays until the agent hangs up, the script hangs up, or --max-duration-ms passes.
 * Connection defaults come from LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET, then
 * ws://127.0.0.1:7880 / devkey / secret (`livekit-server --dev`).
 */
import { parseArgs } from 'node:util';
import type { CallerStep, VirtualCallerEvent, VirtualCallerResult } from './caller/virtual-caller.js';

// rtc-node logs at debug level to stdout unless NODE_ENV is production, which would garble --json.
process.env.NODE_ENV ??= 'production';
const { dispose } = await import('@livekit/rtc-node');
const { runVirtualCaller } = await import('./caller/virtual-caller.js');

const { values, tokens } = parseArgs({
  tokens: true,
  options: {
    room: { type: 'string' },
    dial: { type: 'string' },
    from: { type: 'string' },
    api: { type: 'string', default: process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    token: { type: 'string', default: process.env.SWITCHBOARD_API_KEY },
    press: { type: 'string', multiple: true },
    say: { type: 'string', multiple: true },
    script: { type: 'string' },
    record: { type: 'string' },
    url: { type: 'string', default: process.env.LIVEKIT_URL ?? 'ws://127.0.0.1:7880' },
    'api-key': { type: 'string', default: process.env.LIVEKIT_API_KEY ?? 'devkey' },
    'api-secret': { type: 'string', default: process.env.LIVEKIT_API_SECRET ?? 'secret' },
    identity: { type: 'string' },
    attr: { type: 'string', multiple: true },
    'max-duration-ms': { type: 'string', default: '60000' },
    threshold: { type: 'string' },
    'hangover-ms': { type: 'string' },
    'sample-rate': { type: 'string', default: '16000' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

function usage(exitCode: number): never {
  console.error('usage: npm run caller -- (--dial NUMBER [--from NUMBER] | --room NAME) [--press KEYS ...] [--record out.wav] [--json] (see tools/virtual-caller.ts)');
  process.exit(exitCode);
}

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number`);
    usage(2);
  }
  return n;
}

function buildScript(): CallerStep[] {
  if (values.script) {
    const parsed: unknown = JSON.parse(values.script);
    if (!Array.isArray(parsed)) throw new Error('--script must be a JSON array of steps');
    return parsed as CallerStep[];
  }
  // --press and --say steps, in the order they were given.
  const steps: CallerStep[] = [];
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    if (token.name === 'press') steps.push({ press: token.value, after: 'promptEnd' });
    if (token.name === 'say') steps.push({ say: token.value, after: 'promptEnd' });
  }
  return steps;
}

function parseAttributes(): Record<string, string> | undefined {
  if (!values.attr) return undefined;
  return Object.fromEntries(
    values.attr.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) usage(2);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

function describe(event: VirtualCallerEvent): string {
  const at = `${String(Math.round(event.atMs)).padStart(7)} ms`;
  switch (event.type) {
    case 'joined':
      return `${at}  joined as ${event.identity}`;
    case 'agentTrack':
      return `${at}  subscribed to ${event.agentIdentity}`;
    case 'agentAudio':
      return `${at}  hearing ${event.agentIdentity}`;
    case 'promptStarted':
      return `${at}  prompt ${event.index} started`;
    case 'promptEnded':
      return `${at}  prompt ${event.index} ended (rms ${event.rms})`;
    case 'pressed':
      return `${at}  pressed ${event.digit}`;
    case 'spoke':
      return `${at}  spoke for ${event.durationMs} ms`;
    case 'left':
      return `${at}  call over: ${event.reason}`;
  }
}

function printSummary(result: VirtualCallerResult): void {
  console.log('');
  console.log(`room ${result.roomName}, caller ${result.identity}, ${result.durationMs} ms, ended: ${result.endReason}`);
  console.log('prompts:');
  for (const p of result.prompts) {
    const length = p.endMs === null ? '?' : String(p.endMs - p.startMs);
    console.log(`  #${p.index}  ${p.startMs} → ${p.endMs ?? '?'} ms  (${length} ms, rms ${p.rms})`);
  }
  if (result.prompts.length === 0) console.log('  (none heard)');
  console.log('presses:');
  for (const p of result.presses) {
    const answer = p.digitToNextPromptMs === null ? 'no answer' : `next prompt after ${p.digitToNextPromptMs} ms`;
    const stop = p.digitToSilenceMs === null ? '' : `, prompt stopped after ${p.digitToSilenceMs} ms`;
    console.log(`  ${p.digit} at ${p.atMs} ms: ${answer}${stop}`);
  }
  if (result.presses.length === 0) console.log('  (none)');
  if (result.recordingPath) console.log(`recording: ${result.recordingPath} (${result.recordedMs} ms)`);
}

async function main(): Promise<void> {
  if (values.help) usage(0);
  if (!values.room && !values.dial) usage(2);
  const roomName = values.room ?? `room-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const sampleRate = numberOption('sample-rate', values['sample-rate']);
  if (sampleRate !== 16_000 && sampleRate !== 48_000) {
    console.error('--sample-rate must be 16000 or 48000');
    usage(2);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());

  const caller = runVirtualCaller({
    url: values.url,
    apiKey: values['api-key'],
    apiSecret: values['api-secret'],
    roomName,
    identity: values.identity,
    attributes: parseAttributes(),
    script: buildScript(),
    recordPath: values.record,
    sampleRate,
    maxDurationMs: numberOption('max-duration-ms', values['max-duration-ms']),
    energyThreshold: numberOption('threshold', values.threshold),
    silenceHangoverMs: numberOption('hangover-ms', values['hangover-ms']),
    signal: controller.signal,
    onEvent: values.json ? undefined : (event) => console.log(describe(event)),
  });
  if (values.dial) {
    // The flow's media worker waits for the caller to be in the room, so the order does not matter.
    if (!values.token) {
      controller.abort();
      throw new Error('--dial needs a Switchboard API key: create one in the app (Settings → Members & API keys) and pass --token sb_… or set SWITCHBOARD_API_KEY');
    }
    const response = await fetch(`${values.api}/api/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${values.token}` },
      body: JSON.stringify({ roomName, calledNumber: values.dial, ...(values.from ? { callerNumber: values.from } : {}) }),
    }).catch((error: Error) => {
      controller.abort();
      throw new Error(`cannot reach the API at ${values.api} (is \`npm start\` running?): ${error.message}`);
    });
    const body = (await response.json()) as { callId?: string; workflowId?: string; temporalUrl?: string; rejected?: boolean; screening?: { result?: string }; error?: { message: string } };
    if (!response.ok || body.rejected) {
      controller.abort();
      await caller.catch(() => undefined);
      const why = body.rejected ? `a caller check refused it (${body.screening?.result ?? 'screened'})` : (body.error?.message ?? response.status);
      throw new Error(`the API refused the call: ${why}`);
    }
    // Both pages need you signed in to the app in your browser; the history link is relative to the API (/temporal/…).
    if (!values.json) {
      console.log(`call started: workflow ${body.workflowId}\n  call:    ${values.api}/calls/${encodeURIComponent(body.callId ?? '')}\n  history: ${body.temporalUrl ? new URL(body.temporalUrl, values.api).href : '(none)'}`);
    }
  }
  const result = await caller;

  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printSummary(result);
}

try {
  await main();
} catch (err) {
  console.error(`virtual caller failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await dispose();
}
