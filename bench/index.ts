/** Runs every benchmark: `npm run bench`. */
import { benchCallLatency } from './call-latency';

await benchCallLatency();
process.exit(0);
