import { type Db, nowTimestamp } from '@mpstack/common/db';
import type { Reply } from '@mpstack/common/wechat';

/**
 * Rows written straight into `accounts` and `reply_rules`, as the admin service would have
 * written them: the ingress only reads these tables, and may not import the admin service.
 */
export interface StoredAccount {
  readonly id: string;
  readonly name?: string;
  readonly appId: string;
  readonly appSecret?: string;
  readonly token: string;
  readonly encodingAesKey?: string;
  readonly previousEncodingAesKey?: string;
  readonly encryptMode: 'plain' | 'compatible' | 'safe';
  readonly disabled?: boolean;
}

export async function storeAccount(db: Db, account: StoredAccount): Promise<void> {
  const stamp = nowTimestamp();
  await db
    .insertInto('accounts')
    .values({
      id: account.id,
      name: account.name ?? account.id,
      app_id: account.appId,
      app_secret: account.appSecret ?? 'app-secret',
      token: account.token,
      encoding_aes_key: account.encodingAesKey ?? null,
      previous_encoding_aes_key: account.previousEncodingAesKey ?? null,
      encrypt_mode: account.encryptMode,
      disabled: account.disabled === true ? 1 : 0,
      disabled_at: account.disabled === true ? stamp : null,
      created_at: stamp,
      updated_at: stamp,
    })
    .execute();
}

export interface StoredRule {
  readonly kind: 'subscribe' | 'default' | 'keyword';
  readonly matchType?: 'exact' | 'contains' | 'regex';
  readonly keyword?: string;
  readonly reply: Reply;
  readonly priority?: number;
  readonly enabled?: boolean;
}

export async function storeRule(db: Db, accountId: string, rule: StoredRule): Promise<void> {
  const stamp = nowTimestamp();
  await db
    .insertInto('reply_rules')
    .values({
      account_id: accountId,
      kind: rule.kind,
      match_type: rule.matchType ?? 'exact',
      keyword: rule.keyword ?? null,
      reply: JSON.stringify(rule.reply),
      priority: rule.priority ?? 0,
      enabled: rule.enabled === false ? 0 : 1,
      created_at: stamp,
      updated_at: stamp,
    })
    .execute();
}
