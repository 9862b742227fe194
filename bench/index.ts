/**
 * Runs the benchmarks: `npm run bench` (all but the long ones), or `npm run bench -- latency dtmf`
 * (some). The long ones run only when named: `soak` (SOAK_MINUTES), `chaos` (CHAOS_CALLS) and
 * `room-churn` (ROOM_CHURN_SESSIONS).
 * Prints `figure <name> <value> <unit>` lines, then a table.
 */
import { benchAdmission } from './admission';
import { benchAgent } from './agent';
import { benchBargeIn } from './barge-in';
import { benchPrompts } from './prompts';
import { benchCallLatency } from './call-latency';
import { benchCapacity } from './capacity';
import { benchChaos } from './chaos';
import { benchCrashTrial } from './crash-trial';
import { benchDtmf } from './dtmf';
import { benchMonitor } from './monitor';
import { benchRoomChurn } from './room-churn';
import { benchSoak } from './soak';
import { benchSpeech } from './speech';
import { benchWorkflowStart } from './workflow-start';
import { printTable, type Figure } from './report';

const suites: Record<string, () => Promise<Figure[]>> = {
  latency: benchCallLatency,
  dtmf: benchDtmf,
  speech: benchSpeech,
  bargein: benchBargeIn,
  prompts: benchPrompts,
  crash: benchCrashTrial,
  chaos: benchChaos,
  soak: benchSoak,
  'room-churn': benchRoomChurn,
  monitor: benchMonitor,
  capacity: benchCapacity,
  agent: benchAgent,
  admission: benchAdmission,
  'workflow-start': benchWorkflowStart,
};

/** Suites that run for a long time: only when named. */
const ON_DEMAND = new Set(['soak', 'chaos', 'room-churn']);

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !suites[name]);
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
// Each suite's figure lines are printed as soon as it finishes; the table of all of them comes last.
const figures: Figure[] = [];
let failed = false;
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 ? !wanted.includes(name) : ON_DEMAND.has(name)) continue;
  console.error(`running benchmark: ${name}`);
  try {
    const measured = await run();
    for (const figure of measured) console.log(`figure ${figure.name} ${figure.value} ${figure.unit}`);
    figures.push(...measured);
  } catch (error) {
    failed = true;
    console.error(`benchmark ${name} failed: ${(error as Error).stack ?? error}`, (error as Error).cause ?? '');
  }
}
console.log('');
printTable(figures);
process.exit(failed ? 1 : 0);
