import type { Db } from '@mpstack/common/db';
import type { AccountSource } from './account.types.js';

/**
 * The ingress's one account query: what the webhook needs to verify, decrypt and answer —
 * never the AppSecret, which only the outbound side uses. Accounts are written by the admin
 * service (`services/admin/src/accounts`); the ingress only reads.
 */
export async function loadAccountSources(db: Db): Promise<AccountSource[]> {
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'app_id', 'token', 'encrypt_mode', 'encoding_aes_key', 'previous_encoding_aes_key', 'disabled'])
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    appId: row.app_id,
    token: row.token,
    encryptMode: row.encrypt_mode,
    encodingAesKey: row.encoding_aes_key ?? undefined,
    previousEncodingAesKey: row.previous_encoding_aes_key ?? undefined,
    disabled: Number(row.disabled) === 1,
  }));
}
