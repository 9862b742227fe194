/**
 * Runs the benchmarks: `npm run bench` (all), or `npm run bench -- latency dtmf` (some).
 * Prints `figure <name> <value> <unit>` lines, then a table.
 */
import { benchCallLatency } from './call-latency';
import { benchCrashTrial } from './crash-trial';
import { benchDtmf } from './dtmf';
import { benchSpeech } from './speech';
import { report, type Figure } from './report';

const suites: Record<string, () => Promise<Figure[]>> = {
  latency: benchCallLatency,
  dtmf: benchDtmf,
  speech: benchSpeech,
  crash: benchCrashTrial,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !suites[name]);
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const figures: Figure[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.error(`running benchmark: ${name}`);
  figures.push(...(await run()));
}
report(figures);
process.exit(0);
