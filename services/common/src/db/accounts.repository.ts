import type { Selectable } from 'kysely';
import type { EncryptMode } from '../wechat/encrypt-mode.js';
import { type Db, nowTimestamp, toDate } from './database.js';
import type { AccountsTable } from './schema.js';
import { upsertOn } from './upsert.js';

/** An official account as stored (secrets included: never log it whole). */
export interface AccountRecord {
  /** The slug in `/wx/:account`. */
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly token: string;
  readonly encodingAesKey: string | undefined;
  /** Still accepted after a rotation (WeChat keeps using the old key for a while). */
  readonly previousEncodingAesKey: string | undefined;
  readonly encryptMode: EncryptMode;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AccountInput {
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly token: string;
  readonly encodingAesKey?: string | undefined;
  readonly previousEncodingAesKey?: string | undefined;
  readonly encryptMode: EncryptMode;
}

export async function findAccount(db: Db, id: string): Promise<AccountRecord | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toAccount(row);
}

export async function listAccounts(db: Db): Promise<AccountRecord[]> {
  const rows = await db.selectFrom('accounts').selectAll().orderBy('id').execute();
  return rows.map(toAccount);
}

/** Inserts or updates by id, in one statement (no read-then-write race between replicas). */
export async function upsertAccount(db: Db, input: AccountInput, now: Date = new Date()): Promise<void> {
  const stamp = nowTimestamp(now);
  const values = {
    name: input.name,
    app_id: input.appId,
    app_secret: input.appSecret,
    token: input.token,
    encoding_aes_key: input.encodingAesKey ?? null,
    previous_encoding_aes_key: input.previousEncodingAesKey ?? null,
    encrypt_mode: input.encryptMode,
    updated_at: stamp,
  };
  const insert = db.insertInto('accounts').values({ id: input.id, ...values, created_at: stamp });
  await upsertOn(db, insert, ['id'], values).execute();
}

/** Deletes an account and (cascade) its rules; false when it did not exist. */
export async function deleteAccount(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function toAccount(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    appId: row.app_id,
    appSecret: row.app_secret,
    token: row.token,
    encodingAesKey: row.encoding_aes_key ?? undefined,
    previousEncodingAesKey: row.previous_encoding_aes_key ?? undefined,
    encryptMode: row.encrypt_mode,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}
