#!/usr/bin/env node
// `npm run bench`: makes sure the machine is set up, then runs bench/index.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureSetup } from './lib/setup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
await ensureSetup();
const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' },
});
process.exit(result.status ?? 1);
