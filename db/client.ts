import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema';

export type Database = NodePgDatabase<typeof schema>;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Connects to PostgreSQL (or the launcher's embedded PGlite, which speaks the same protocol). */
export function connectDatabase(url = process.env.DATABASE_URL, options: { max?: number } = {}): DatabaseHandle {
  if (!url) {
    throw new Error('DATABASE_URL is not set: point it at PostgreSQL, or use `npm start`, which runs an embedded database');
  }
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return { db: drizzle(pool, { schema }), pool, close: () => pool.end() };
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies pending migrations and makes sure the default workspace exists. Safe to run repeatedly. */
export async function migrateDatabase(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder });
  await db
    .insert(schema.workspaces)
    .values({ id: schema.DEFAULT_WORKSPACE_ID, name: 'Default workspace' })
    .onConflictDoNothing();
}
