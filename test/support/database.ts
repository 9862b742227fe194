import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectDatabase, migrateDatabase, type DatabaseHandle } from '../../db/client';
// @ts-expect-error plain .mjs helper without types
import { startPglite } from '../../scripts/lib/services.mjs';

export type TestDatabase = DatabaseHandle & { url: string; drop(): Promise<void> };

/**
 * A fresh, migrated database for one test file: PostgreSQL (below), or with `embedded` the
 * embedded PGlite server `npm start` runs when DATABASE_URL is unset, in a scratch folder.
 */
export async function createTestDatabase(options: { embedded?: boolean } = {}): Promise<TestDatabase> {
  if (!options.embedded) return createPostgresDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-pglite-'));
  const server = (await startPglite({ dataDir: join(dataDir, 'data'), logFile: join(dataDir, 'pglite.log') })) as { databaseUrl: string; stop(): Promise<void> };
  const handle = connectDatabase(server.databaseUrl);
  await migrateDatabase(handle.db);
  return {
    ...handle,
    url: server.databaseUrl,
    async drop() {
      await handle.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, migrated PostgreSQL database for one test file, on the server DATABASE_URL points at
 * (default: the local one). Dropped again by `drop()`.
 */
async function createPostgresDatabase(): Promise<TestDatabase> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `sbtest_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect().catch((error: Error) => {
    throw new Error(`Tests need PostgreSQL at ${base.host} (set DATABASE_URL): ${error.message}`);
  });
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = connectDatabase(url.toString());
  await migrateDatabase(handle.db);
  return {
    ...handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      const again = new pg.Client({ connectionString: base.toString() });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}
