import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/**
 * The layers, top to bottom (docs/architecture.md, "Where does my change go"). A file may import
 * from its own layer and from the layers below it, never from a layer above: what two layers share
 * moves down to the lower one (shared names and types: lib/contracts/). packages/ is the floor and
 * imports no app code; web/ (the browser app) imports only packages/ and the API's answer schemas
 * (`webContracts`), which in turn import no app code.
 */
const layers = [
  'api', // HTTP routes, auth, starting workflows
  'workers', // processes that host Temporal workers (flow, media, privacy, scripted test runs)
  'workflows', // deterministic workflow code
  'activities', // what workflows call: media, HTTP, calls bookkeeping, privacy
  'lib', // shared helpers and contracts (queue names, search attributes, shared types)
  'db', // schema, client, migrations
];
const layerZones = layers.slice(1).map((layer, index) => ({
  target: `./${layer}`,
  from: layers.slice(0, index + 1).map((above) => `./${above}`),
  message: `Layers import downward only (${layers.join(' > ')} > packages): ${layer}/ may not import from a layer above it. Move what both need down (e.g. lib/contracts/). See docs/architecture.md.`,
}));
const appDirs = [...layers, 'web', 'test', 'scripts', 'tools', 'bench'].map((dir) => `./${dir}`);
/** Server modules the browser app may import: zod schemas of what the API answers. */
const webContracts = ['./lib/contracts/api-responses.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', '**/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Forgetting to await an activity or a write loses work silently.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The layer rule (see `layers` above) and no import cycles.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**', 'scripts/**', 'tools/**'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...layerZones,
            ...[{ from: appDirs.filter((dir) => dir !== './web' && dir !== './lib') }, { from: ['./lib'], except: webContracts.map((file) => `.${file.slice('./lib'.length)}`) }].map((zone) => ({
              target: './web',
              ...zone,
              message: 'The web app imports only packages/ and the API\'s answer schemas (lib/contracts/api-responses.ts), never server code.',
            })),
            ...webContracts.map((target) => ({ target, from: appDirs, message: 'The web app bundles this module: it imports zod and packages/ only, no app code.' })),
            { target: './packages', from: appDirs, message: 'packages/ is the bottom layer: it imports no app code.' },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The settings form renders itself recursively (a list field holds setting fields): a cycle by design.
    files: ['web/src/editor/form/**'],
    rules: { 'import-x/no-cycle': 'off' },
  },
  {
    // Tests read JSON responses loosely.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Workflow code is replayed: it must be deterministic. The workflow sandbox makes Date and
    // Math.random deterministic; everything else that touches the outside world is banned here.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins; do I/O in an activity.' })),
          patterns: [
            { group: ['**/activities/**'], allowTypeImports: true, message: 'Import activity types only (import type), and call them via proxyActivities.' },
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity', 'pg', 'drizzle-orm*', 'livekit-*', '@livekit/*', 'express'], message: 'Not available in workflow code.' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'fetch', message: 'Do HTTP in an activity.' },
        { name: 'process', message: 'Workflow code cannot read the process environment.' },
      ],
    },
  },
);
