import { join } from 'node:path';
import { recordAudit } from '@mpstack/admin';
import { commonEnvSchema, type Environment, loadConfig } from '@mpstack/common/config';
import {
  createDatabase,
  describeMysqlTarget,
  ensureMysqlDatabase,
  migrateToLatest,
  mysqlTarget,
} from '@mpstack/common/db';
import { seedFromFile } from '../seed/seed.js';

export interface MigrateResult {
  readonly applied: readonly string[];
  readonly seeded: { readonly accounts: number; readonly rules: number } | undefined;
  readonly target: string;
}

/**
 * `mpstack migrate [--seed file]`: idempotent; MPSTACK_DATABASE_URL or the embedded SQLite file.
 * The seed goes through the admin service's writes (validated whole first, each write audited
 * as `mpstack seed`); no
 * coordination is opened here, so running ingress replicas see it at their 60 s reload.
 */
export async function migrate(env: Environment, seedFile: string | undefined): Promise<MigrateResult> {
  const config = loadConfig(commonEnvSchema, env);
  const sqlitePath = join(config.MPSTACK_DATA_DIR, 'mpstack.db');
  const created =
    config.MPSTACK_DATABASE_URL === undefined
      ? false
      : (await ensureMysqlDatabase(config.MPSTACK_DATABASE_URL)).created;
  const db = createDatabase({
    ...(config.MPSTACK_DATABASE_URL === undefined ? {} : { url: config.MPSTACK_DATABASE_URL }),
    sqlitePath,
  });
  try {
    const { applied } = await migrateToLatest(db);
    const seeded = seedFile === undefined ? undefined : await seedFromFile({ db, audit: recordAudit }, seedFile);
    const target =
      config.MPSTACK_DATABASE_URL === undefined
        ? `sqlite ${sqlitePath}`
        : `${describeMysqlTarget(mysqlTarget(config.MPSTACK_DATABASE_URL))}${created ? ' (database created, utf8mb4)' : ''}`;
    return { applied, seeded, target };
  } finally {
    await db.destroy();
  }
}
