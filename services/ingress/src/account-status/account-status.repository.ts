import type { Db } from '@mpstack/common/db';
import { toDate } from '@mpstack/common/db';
import type { AccountStatusRepository, StoredAccountStatus } from './account-status.types.js';

/**
 * The account-status queries: the columns that are not secret, and the rule count in the
 * same statement. Secrets (AppSecret, Token, EncodingAESKeys) are never selected.
 */
export function createAccountStatusRepository(db: Db): AccountStatusRepository {
  const query = () =>
    db
      .selectFrom('accounts')
      .leftJoin('reply_rules', 'reply_rules.account_id', 'accounts.id')
      .select((eb) => [
        'accounts.id',
        'accounts.name',
        'accounts.app_id',
        'accounts.encrypt_mode',
        'accounts.updated_at',
        'accounts.disabled',
        eb('accounts.previous_encoding_aes_key', 'is not', null).as('has_previous'),
        eb.fn.count<number | string | bigint>('reply_rules.id').as('rules'),
      ])
      .groupBy([
        'accounts.id',
        'accounts.name',
        'accounts.app_id',
        'accounts.encrypt_mode',
        'accounts.updated_at',
        'accounts.disabled',
        'accounts.previous_encoding_aes_key',
      ]);
  return {
    async list() {
      return (await query().orderBy('accounts.id').execute()).map(toStatus);
    },
    async find(id) {
      const row = await query().where('accounts.id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toStatus(row);
    },
  };
}

interface StatusRow {
  readonly id: string;
  readonly name: string;
  readonly app_id: string;
  readonly encrypt_mode: StoredAccountStatus['mode'];
  readonly updated_at: string | Date;
  readonly disabled: number;
  readonly has_previous: unknown;
  readonly rules: number | string | bigint;
}

function toStatus(row: StatusRow): StoredAccountStatus {
  return {
    id: row.id,
    name: row.name,
    appId: row.app_id,
    mode: row.encrypt_mode,
    // SQLite and MariaDB both answer a comparison with 0/1.
    hasPreviousAesKey: Number(row.has_previous) === 1,
    ruleCount: Number(row.rules),
    disabled: Number(row.disabled) === 1,
    updatedAt: toDate(row.updated_at).toISOString(),
  };
}
