import { type Kysely, Migrator } from 'kysely';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { migrationProvider } from './migrations/index.js';
import { mysqlErrorText } from './mysql-server.js';

/**
 * Brings the schema to the latest migration. Idempotent (already applied migrations are
 * skipped) and safe with several replicas starting at once: Kysely takes a migration lock
 * (`GET_LOCK` on MySQL). Runs by `mpstack migrate` and at start-up in dev.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<{ readonly applied: string[] }> {
  // Unordered: migrations are numbered per feature as they are planned (0005–0010 by several
  // teams at once), so one may land after a higher-numbered one was applied somewhere.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const what = failed === undefined ? 'migrations could not run' : `migration ${failed} failed`;
    throw new AppError(ErrorCode.internal, `${what}: ${mysqlErrorText(error)}`, { cause: error });
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
