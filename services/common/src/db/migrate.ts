import { type Kysely, type Migration, Migrator } from 'kysely';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { migrations as all } from './migrations/index.js';
import { mysqlErrorText } from './mysql-server.js';

/**
 * Brings the schema to the latest migration. Idempotent (already applied migrations are
 * skipped) and safe with several replicas starting at once: Kysely takes a migration lock
 * (`GET_LOCK` on MySQL). Runs by `mpstack migrate` and at start-up in dev.
 *
 * In order only: a database that already ran a migration refuses one numbered below it
 * (Kysely's "corrupted migrations" error, named in the thrown one), because the later one
 * may have been written against a schema without it. `migrations` is for tests (the list
 * is checked by `orderMigrations` where it is made).
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Readonly<Record<string, Migration>> = all,
): Promise<{ readonly applied: string[] }> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    allowUnorderedMigrations: false,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const what = failed === undefined ? 'migrations could not run' : `migration ${failed} failed`;
    throw new AppError(ErrorCode.internal, `${what}: ${mysqlErrorText(error)}`, { cause: error });
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}
