import { type AccountSendLimits, decodeAccountSendLimits, encodeAccountSendLimits } from '@mpstack/common/contracts';
import { type Db, isUniqueViolation, nowTimestamp, toDate, upsertOn } from '@mpstack/common/db';
import { ApiFailure } from '../api-error.js';
import type { AccountChanges, AccountInput, AccountRecord, AccountsRepository } from './accounts.types.js';

/**
 * `accounts` through Kysely (parameters bound, never spliced into SQL). Pass the database,
 * or a transaction to write together with the audit entry. One statement for both dialects:
 * the upsert's dialect difference lives in common's `upsertOn`.
 */
export function createAccountsRepository(db: Db): AccountsRepository {
  return {
    async list() {
      return (await db.selectFrom('accounts').selectAll().orderBy('id').execute()).map(toAccount);
    },
    async find(id) {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toAccount(row);
    },
    async findByAppId(appId, exceptId) {
      let query = db.selectFrom('accounts').selectAll().where('app_id', '=', appId);
      if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
      const row = await query.orderBy('id').executeTakeFirst();
      return row === undefined ? undefined : toAccount(row);
    },
    async insert(input, now = new Date()) {
      const stamp = nowTimestamp(now);
      try {
        await db
          .insertInto('accounts')
          .values({ id: input.id, ...columnsOf(input, stamp), created_at: stamp })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiFailure('conflict', `account "${input.id}" exists`);
        throw error;
      }
    },
    async upsert(input, now = new Date()) {
      const stamp = nowTimestamp(now);
      const values = columnsOf(input, stamp);
      const insert = db.insertInto('accounts').values({ id: input.id, ...values, created_at: stamp });
      await upsertOn(db, insert, ['id'], values).execute();
    },
    async update(id, changes, now = new Date()) {
      const result = await db
        .updateTable('accounts')
        .set({ ...changedColumns(changes), updated_at: nowTimestamp(now) })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async setSendLimits(id, limits, now = new Date()) {
      const result = await db
        .updateTable('accounts')
        .set({ send_limits: encodeAccountSendLimits(limits), updated_at: nowTimestamp(now) })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async setDisabled(id, disabled, now = new Date()) {
      const stamp = nowTimestamp(now);
      const result = await db
        .updateTable('accounts')
        .set({ disabled: disabled ? 1 : 0, disabled_at: disabled ? stamp : null, updated_at: stamp })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async delete(id) {
      const result = await db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function columnsOf(input: AccountInput, stamp: string) {
  return {
    name: input.name,
    app_id: input.appId,
    app_secret: input.appSecret,
    token: input.token,
    encoding_aes_key: input.encodingAesKey ?? null,
    previous_encoding_aes_key: input.previousEncodingAesKey ?? null,
    encrypt_mode: input.encryptMode,
    updated_at: stamp,
  };
}

function changedColumns(changes: AccountChanges) {
  return {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.appId === undefined ? {} : { app_id: changes.appId }),
    ...(changes.appSecret === undefined ? {} : { app_secret: changes.appSecret }),
    ...(changes.token === undefined ? {} : { token: changes.token }),
    ...(changes.encryptMode === undefined ? {} : { encrypt_mode: changes.encryptMode }),
    ...(changes.encodingAesKey === undefined ? {} : { encoding_aes_key: changes.encodingAesKey }),
    ...(changes.previousEncodingAesKey === undefined
      ? {}
      : { previous_encoding_aes_key: changes.previousEncodingAesKey }),
  };
}

interface AccountRow {
  readonly id: string;
  readonly name: string;
  readonly app_id: string;
  readonly app_secret: string;
  readonly token: string;
  readonly encoding_aes_key: string | null;
  readonly previous_encoding_aes_key: string | null;
  readonly encrypt_mode: AccountRecord['encryptMode'];
  readonly disabled: number;
  readonly disabled_at: Date | string | null;
  readonly send_limits: string | null;
  readonly created_at: Date | string;
  readonly updated_at: Date | string;
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    appId: row.app_id,
    appSecret: row.app_secret,
    token: row.token,
    encodingAesKey: row.encoding_aes_key ?? undefined,
    previousEncodingAesKey: row.previous_encoding_aes_key ?? undefined,
    encryptMode: row.encrypt_mode,
    disabled: Number(row.disabled) === 1,
    disabledAt: row.disabled_at === null ? undefined : toDate(row.disabled_at),
    sendLimits: sendLimitsOf(row),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** The stored limits; a column written around the console that does not parse shows as none (business does the same). */
function sendLimitsOf(row: AccountRow): AccountSendLimits | undefined {
  try {
    return decodeAccountSendLimits(row.send_limits);
  } catch {
    return undefined;
  }
}
