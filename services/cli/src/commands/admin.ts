import { join } from 'node:path';
import { type CreateUserInput, createConsoleUser } from '@mpstack/admin';
import { commonEnvSchema, type Environment, loadConfig } from '@mpstack/common/config';
import { createDatabase, ensureMysqlDatabase, migrateToLatest } from '@mpstack/common/db';

/**
 * `mpstack admin create-user`: migrates, then creates a console user (the first super-admin)
 * in MPSTACK_DATABASE_URL or the embedded SQLite file; the password is generated when not given.
 */
export async function createUserCommand(
  env: Environment,
  input: CreateUserInput,
): Promise<{ readonly username: string; readonly password: string; readonly created: boolean }> {
  const config = loadConfig(commonEnvSchema, env);
  if (config.MPSTACK_DATABASE_URL !== undefined) await ensureMysqlDatabase(config.MPSTACK_DATABASE_URL);
  const db = createDatabase({
    ...(config.MPSTACK_DATABASE_URL === undefined ? {} : { url: config.MPSTACK_DATABASE_URL }),
    sqlitePath: join(config.MPSTACK_DATA_DIR, 'mpstack.db'),
  });
  try {
    await migrateToLatest(db);
    return await createConsoleUser(db, input);
  } finally {
    await db.destroy();
  }
}
