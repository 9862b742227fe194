/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: Debian's `docker-compose`
 * validates the file against its schema and interpolates it; the rules below check what a schema
 * cannot (start order, health checks, volumes, exposed ports, scalable media workers), and esbuild's
 * import graph of each entry point proves the images hold every file the processes load.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../', import.meta.url));
const composeText = readFileSync(`${root}docker-compose.yml`, 'utf8');
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  container_name?: string;
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  profiles?: string[];
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

const secrets = {
  POSTGRES_PASSWORD: 'test-password',
  LIVEKIT_API_SECRET: 'test-secret-test-secret-test-secret',
  TEMPORAL_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  STORAGE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 2).toString('base64')}`,
  CALLER_HASH_KEY: 'test-hash-key-test-hash-key-test-hash-key',
};
// An empty env file: a developer's own .env must not change what is checked.
const emptyEnvFile = `${mkdtempSync(`${tmpdir()}/compose-check-`)}/empty.env`;
writeFileSync(emptyEnvFile, '');
function dockerCompose(args: string[], env: Record<string, string>) {
  const result = spawnSync('docker-compose', ['--env-file', emptyEnvFile, '-f', 'docker-compose.yml', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  if (result.error) throw new Error(`docker-compose is not installed (Debian package docker-compose; npm run setup installs it): ${result.error.message}`);
  return result;
}

test('docker-compose validates the file and interpolates it with the secrets set', () => {
  const valid = dockerCompose(['config', '-q'], secrets);
  assert.equal(valid.status, 0, valid.stderr);
  const names = dockerCompose(['config', '--services'], secrets).stdout.trim().split('\n').sort();
  assert.deepEqual(
    names,
    ['api', 'flow-worker', 'livekit', 'livekit-sip', 'media-worker', 'migrate', 'postgres', 'prometheus', 'redis', 'temporal', 'temporal-setup', 'temporal-ui'],
  );
  const rendered = dockerCompose(['config'], secrets).stdout;
  assert.match(rendered, /DATABASE_URL: postgres:\/\/switchboard:test-password@postgres:5432\/switchboard/);
});

test('without the secrets the file refuses to start, naming what to set', () => {
  const missing = dockerCompose(['config', '-q'], { LIVEKIT_API_SECRET: secrets.LIVEKIT_API_SECRET });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /set POSTGRES_PASSWORD in \.env/);
});

test('start order: every awaited service can report health or completion', () => {
  let checked = 0;
  for (const [name, service] of Object.entries(services)) {
    for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
      const dependency = services[target];
      assert.ok(dependency, `${name} depends on unknown service ${target}`);
      if (condition === 'service_healthy') assert.ok(dependency.healthcheck, `${name} waits for ${target} to be healthy, but ${target} has no healthcheck`);
      else if (condition === 'service_completed_successfully') assert.equal(dependency.restart, 'no', `${target} is a one-shot job: restart "no"`);
      else assert.fail(`${name} → ${target}: use service_healthy or service_completed_successfully, not ${condition}`);
      checked++;
    }
  }
  assert.ok(checked >= 10);
  // Long-running services all declare a health check.
  for (const [name, service] of Object.entries(services)) {
    if (service.restart !== 'no' && !service.profiles) assert.ok(service.healthcheck, `${name} has no healthcheck`);
  }
  // The product waits for migrations and the Temporal search attributes before it starts.
  for (const name of ['api', 'flow-worker']) {
    assert.equal(services[name]?.depends_on?.migrate?.condition, 'service_completed_successfully', name);
    assert.equal(services[name]?.depends_on?.['temporal-setup']?.condition, 'service_completed_successfully', name);
  }
});

test('volumes are named and declared, and config files exist', () => {
  const used = new Set<string>();
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':') as [string];
      if (source.startsWith('./') || source.startsWith('/')) {
        assert.ok(existsSync(`${root}${source.replace(/^\.\//, '')}`), `${name} mounts ${source}, which does not exist`);
        assert.match(volume, /:ro$/, `${name}: configuration is mounted read-only`);
      } else {
        assert.ok(source in compose.volumes, `${name} uses volume ${source}, not declared under volumes:`);
        used.add(source);
      }
    }
  }
  assert.deepEqual([...used].sort(), Object.keys(compose.volumes).sort(), 'every declared volume is used');
  assert.ok(services['api']?.volumes?.includes('storage:/data/storage') && services['media-worker']?.volumes?.includes('storage:/data/storage'), 'API and media workers share the storage volume');
});

test('only the ports that must be reachable are published; operator UIs on loopback', () => {
  const published = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.ports ?? []]));
  for (const internal of ['postgres', 'redis', 'temporal', 'temporal-ui', 'flow-worker', 'media-worker', 'migrate', 'temporal-setup']) {
    assert.deepEqual(published[internal], [], `${internal} publishes no port`);
  }
  assert.deepEqual(published['prometheus'], ['127.0.0.1:9090:9090']);
  assert.deepEqual(published['api'], ['${API_BIND_ADDRESS:-127.0.0.1}:${API_PORT:-3000}:3000']);
  assert.deepEqual(published['livekit'], ['${LIVEKIT_BIND_ADDRESS:-127.0.0.1}:7880:7880', '7881:7881/tcp', '7882:7882/udp']);
  assert.deepEqual(published['livekit-sip'], ['5060:5060/udp', '5060:5060/tcp', '10000-10100:10000-10100/udp']);
  // The SIP RTP range published is the one LiveKit SIP is configured with.
  assert.match(readFileSync(`${root}deploy/livekit-sip.yaml`, 'utf8'), /^rtp_port: 10000-10100$/m);
  assert.match(readFileSync(`${root}deploy/livekit.yaml`, 'utf8'), /tcp_port: 7881[\s\S]*udp_port: 7882/);
});

test('media workers scale: no fixed name or port, drain time within the stop grace period', () => {
  const media = services['media-worker'] as Service;
  assert.equal(media.container_name, undefined);
  assert.equal(media.ports, undefined);
  assert.equal(media.init, true, 'an init process reaps the recognizer child processes and forwards SIGTERM');
  const drainMs = Number(/MEDIA_DRAIN_TIMEOUT_MS:-(\d+)/.exec(String(media.environment?.MEDIA_DRAIN_TIMEOUT_MS))?.[1]);
  const graceSeconds = Number(/^(\d+)s$/.exec(media.stop_grace_period ?? '')?.[1]);
  assert.ok(drainMs > 0 && graceSeconds * 1000 > drainMs, `stop_grace_period ${media.stop_grace_period} must exceed the drain timeout ${drainMs} ms`);
  for (const [name, service] of Object.entries(services)) assert.equal(service.container_name, undefined, `${name}: no container_name`);
});

test('the Temporal UI is served by the API at /temporal/, decoding through the same-origin codec endpoint', () => {
  const ui = services['temporal-ui']?.environment ?? {};
  const api = services['api']?.environment ?? {};
  // The API proxies /temporal/… unchanged, so the UI must be served under that very path, on the port the API is told.
  assert.equal(ui.TEMPORAL_UI_PUBLIC_PATH, '/temporal');
  assert.equal(api.TEMPORAL_UI_UPSTREAM, `http://temporal-ui:${ui.TEMPORAL_UI_PORT}`);
  assert.equal(api.TEMPORAL_UI_URL, '/temporal', 'calls link to the UI on the API origin');
  // Same origin: the codec call carries the session cookie without CORS or "include credentials".
  assert.equal(ui.TEMPORAL_CODEC_ENDPOINT, '/api/temporal-codec');
  assert.equal(ui.TEMPORAL_CODEC_INCLUDE_CREDENTIALS, undefined);
  assert.equal(ui.TEMPORAL_CORS_ORIGINS, undefined);
  assert.match(services['temporal-ui']?.healthcheck?.test.join(' ') ?? '', /8080\/temporal\//);
  assert.match(composeText, /payload encryption/);
});

/** Stages of the Dockerfile: name → its lines. */
function stages(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) result.set(from[1] as string, (current = []));
    else if (current && line.trim() && !line.startsWith('#')) current.push(line.trim());
  }
  return result;
}

test('images: every compose target is a non-root Dockerfile stage with a health check and a command', () => {
  const byName = stages();
  const targets = new Set(Object.values(services).flatMap((service) => (service.build?.target ? [service.build.target] : [])));
  assert.deepEqual([...targets].sort(), ['api', 'flow-worker', 'media-worker']);
  for (const target of targets) {
    const lines = byName.get(target);
    assert.ok(lines, `Dockerfile has no stage ${target}`);
    assert.ok(lines.includes('USER node'), `${target} runs as the unprivileged node user`);
    assert.ok(lines.some((line) => line.startsWith('HEALTHCHECK')), `${target} has a HEALTHCHECK`);
    assert.ok(lines.some((line) => line.startsWith('CMD ["node", "--import", "tsx"')), `${target} has a CMD`);
    assert.ok(lines.some((line) => line.startsWith('COPY --from=source /app /app')), `${target} copies the application tree`);
  }
  assert.match(byName.get('media-worker')?.join('\n') ?? '', /apt-get install -y --no-install-recommends espeak-ng python3-pocketsphinx pocketsphinx-en-us/);
  const flow = byName.get('flow-worker')?.join('\n') ?? '';
  assert.match(flow, /WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
  assert.match(flow, /COPY --from=build \/app\/dist\/workflow-bundle\.js \/app\/dist\/workflow-bundle\.js/);
  assert.match(byName.get('build')?.join('\n') ?? '', /npm run build -w web && npm run build:workflows -- dist\/workflow-bundle\.js/);
  // Multi-stage: the runtime stages start from the slim base, not from the build stage.
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-slim$/m);
  for (const target of targets) assert.match(dockerfile, new RegExp(`^FROM \\$\\{NODE_IMAGE\\} AS ${target}$`, 'm'));
});

test('images hold every file the entry points import (and no test files), and every package they import is a production dependency', async () => {
  const copied = (stages().get('source') ?? []).flatMap((line) => {
    const copy = /^COPY (\S+) (\S+)$/.exec(line);
    return copy ? [copy[1] as string] : [];
  });
  const ignored = readFileSync(`${root}.dockerignore`, 'utf8');
  assert.match(ignored, /^\*\*\/\*\.test\.ts$/m);
  const entryPoints = ['api/server.ts', 'workers/flow-worker.ts', 'workers/media-worker.ts', 'db/migrate.ts', 'workflows/index.ts'];
  const packagesImported = new Set<string>();
  const { metafile } = await build({
    entryPoints: entryPoints.map((file) => `${root}${file}`),
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: '/tmp/switchboard-image-check',
    // npm packages come from `npm ci` in the image; only the repository's own files matter here.
    plugins: [
      {
        name: 'external-npm',
        setup(builder) {
          builder.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@switchboard/')) return undefined;
            if (!args.path.startsWith('node:')) packagesImported.add(args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/'));
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const files = Object.keys(metafile.inputs).map((file) => relative(root, `${process.cwd()}/${file}`));
  assert.ok(files.length > 50, `import graph has ${files.length} files`);
  for (const file of files) {
    assert.ok(!file.startsWith('..') && !file.includes('node_modules'), file);
    assert.ok(!file.endsWith('.test.ts'), `${file}: production code imports a test file`);
    assert.ok(copied.some((dir) => file === dir || file.startsWith(`${dir}/`)), `${file} is imported at run time but the Dockerfile's source stage does not copy it`);
  }
  // `npm ci --omit=dev` installs only dependencies (and the workspaces' own).
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
  const flowModel = JSON.parse(readFileSync(`${root}packages/flow-model/package.json`, 'utf8')) as { dependencies: Record<string, string> };
  const builtins = new Set((await import('node:module')).builtinModules);
  const devOnly = [...packagesImported].filter((name) => !builtins.has(name) && !(name in pkg.dependencies) && !(name in flowModel.dependencies));
  assert.deepEqual(devOnly, [], 'imported at run time but not in "dependencies"');
  assert.ok(packagesImported.has('@temporalio/worker') && packagesImported.has('prom-client'), [...packagesImported].join(', '));
  // Files read at run time rather than imported.
  for (const file of ['activities/media/stt/pocketsphinx-decoder.py', 'db/migrations']) {
    assert.ok(existsSync(`${root}${file}`) && copied.some((dir) => file.startsWith(`${dir}/`)), file);
  }
});
