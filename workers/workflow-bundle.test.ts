import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleWorkflows } from './workflow-bundle';

test('the bundle loads the shared modules once, before any workflow', async () => {
  const { code } = await bundleWorkflows({ info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} });
  const preload = /exports\.preloadModules = function preloadModules\(\) \{([\s\S]*?)\n\}/.exec(code)?.[1];
  assert.ok(preload !== undefined, 'the bundle has no preloadModules function');
  // webpack drops a `require` of a module it believes side-effect free (the flow model and zod say
  // so in their package.json): then every workflow would load them again.
  assert.ok(/__webpack_require__\([^)]*workflows\/shared-modules\.ts/.test(preload), `preloadModules loads nothing: ${preload.trim()}`);
});
