#!/usr/bin/env node
// `npm run setup`: makes a fresh clone ready to run and test (idempotent; see scripts/lib/setup.mjs).

import { ensureSetup, SetupError } from './lib/setup.mjs';
import { ToolError, toolVersion } from './lib/tools.mjs';

const started = Date.now();
try {
  const result = await ensureSetup();
  for (const tool of result.tools) {
    const where = tool.ok ? tool.path : `not available (${tool.error.split('\n')[0]})`;
    console.log(`  ${tool.name.padEnd(15)} ${toolVersion(tool.name).padEnd(8)} ${where}`);
  }
  if (result.missingAptPackages.length) console.log(`  missing Debian packages: ${result.missingAptPackages.join(' ')}`);
  console.log(`Set-up complete (${((Date.now() - started) / 1000).toFixed(1)}s).`);
} catch (err) {
  if (!(err instanceof SetupError || err instanceof ToolError)) throw err;
  console.error(`\nSet-up failed:\n${err.message}`);
  process.exitCode = 1;
}
