#!/usr/bin/env node
// `npm run install-tools [-- --only temporal,livekit-server] [-- --skip livekit-sip]`
// Builds the pinned native tools into the user cache (see scripts/lib/tools.mjs).

import { parseArgs } from 'node:util';
import { TOOL_NAMES, TOOLS, installTools, toolVersion, toolsDir } from './lib/tools.mjs';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    skip: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: node scripts/install-tools.mjs [--only a,b] [--skip c]
Tools: ${TOOL_NAMES.map((n) => `${n} ${toolVersion(n)}`).join(', ')}
Cache: ${toolsDir()}  (SWITCHBOARD_TOOLS_DIR overrides)
A binary named in TEMPORAL_BIN / LIVEKIT_SERVER_BIN / LIVEKIT_SIP_BIN / CALLER_GO_BIN, or found on PATH
(except caller-go, built from tools/caller-go), is used as is.`);
  process.exit(0);
}

const list = (value) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);
const only = list(values.only);
const skip = new Set(list(values.skip));
for (const name of [...only, ...skip]) {
  if (!TOOL_NAMES.includes(name)) {
    console.error(`Unknown tool "${name}". Known tools: ${TOOL_NAMES.join(', ')}.`);
    process.exit(2);
  }
}
const names = (only.length ? only : TOOL_NAMES).filter((n) => !skip.has(n));

const results = await installTools({ names, explicit: only.length > 0 });

console.log('\nTools:');
for (const r of results) {
  const version = toolVersion(r.name);
  if (r.ok) {
    const how = r.source === 'built' ? `built in ${Math.round(r.ms / 1000)}s` : `from ${r.source}`;
    console.log(`  ✓ ${r.name.padEnd(15)} ${version.padEnd(8)} ${r.path} (${how})`);
  } else {
    const optional = TOOLS[r.name].optional && !only.length ? ' (optional)' : '';
    console.log(`  ✗ ${r.name.padEnd(15)} ${version.padEnd(8)} not available${optional}: ${r.error.split('\n')[0]}`);
  }
}

const fatal = results.filter((r) => !r.ok && (only.length > 0 || !TOOLS[r.name].optional));
process.exitCode = fatal.length ? 1 : 0;
