import pg from 'pg';
import { connectDatabase, migrateDatabase, type DatabaseHandle } from '../../db/client';

/**
 * A fresh, migrated PostgreSQL database for one test file, on the server DATABASE_URL points at
 * (default: the local one). Dropped again by `drop()`.
 */
export async function createTestDatabase(): Promise<DatabaseHandle & { url: string; drop(): Promise<void> }> {
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
