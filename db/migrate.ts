/**
 * Applies database migrations: `node --import tsx db/migrate.ts` (uses DATABASE_URL).
 * On a fresh install it also adds the sample flow on +1 415 555 0100 (`--no-seed` skips that).
 */
import { connectDatabase, migrateDatabase } from './client';
import { SAMPLE_NUMBER, seedSampleFlow } from './seed';

const handle = connectDatabase(process.env.DATABASE_URL, { max: 1 });
try {
  await migrateDatabase(handle.db);
  console.log('database migrations applied');
  if (!process.argv.includes('--no-seed') && (await seedSampleFlow(handle.db))) {
    console.log(`added the sample flow "Sales and support" on ${SAMPLE_NUMBER}`);
  }
} catch (error) {
  console.error(`database migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
