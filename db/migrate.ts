/** Applies database migrations: `node --import tsx db/migrate.ts` (uses DATABASE_URL). */
import { connectDatabase, migrateDatabase } from './client';

const handle = connectDatabase(process.env.DATABASE_URL, { max: 1 });
try {
  await migrateDatabase(handle.db);
  console.log('database migrations applied');
} catch (error) {
  console.error(`database migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
