import assert from 'node:assert/strict';
import { type Db, nowTimestamp } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { uniqueSuffix } from './support.js';

/** A fresh, empty database of one dialect; `cleanup` drops it. */
export interface DatabaseHarness {
  readonly db: Db;
  cleanup(): Promise<void>;
}

/**
 * What common owns of the database on both dialects: the migrations and what the schema
 * itself promises (utf8mb4, foreign keys). Each table's queries are tested by the service that
 * owns them: accounts and rules in services/admin, their read side in services/ingress, the
 * seed files in services/cli, the spool hand-over in services/ingress, the logs in services/log.
 */
export function describeDatabaseContract(name: string, createHarness: () => Promise<DatabaseHarness>): void {
  describe(`Database contract: ${name}`, () => {
    let harness: DatabaseHarness;
    let db: Db;
    let id: string;

    before(async () => {
      harness = await createHarness();
      db = harness.db;
      assert.deepEqual(await migrateToLatest(db), { applied: Object.keys(migrations) });
    });
    after(async () => harness.cleanup());
    beforeEach(() => {
      id = `acct-${uniqueSuffix()}`;
    });

    const insertAccount = (accountId: string, name = 'Account') =>
      db
        .insertInto('accounts')
        .values({
          id: accountId,
          name,
          app_id: 'wx0123456789abcdef',
          app_secret: 'secret',
          token: 'token123',
          encoding_aes_key: null,
          previous_encoding_aes_key: null,
          encrypt_mode: 'plain',
          created_at: nowTimestamp(),
          updated_at: nowTimestamp(),
        })
        .execute();
    const insertRule = (accountId: string, keyword: string | null = null) =>
      db
        .insertInto('reply_rules')
        .values({
          account_id: accountId,
          kind: keyword === null ? 'default' : 'keyword',
          match_type: 'exact',
          keyword,
          reply: JSON.stringify({ type: 'text', content: 'a' }),
          priority: 0,
          enabled: 1,
          created_at: nowTimestamp(),
          updated_at: nowTimestamp(),
        })
        .execute();
    const rulesOf = (accountId: string) =>
      db.selectFrom('reply_rules').select(['keyword', 'reply']).where('account_id', '=', accountId).execute();

    it('migrations are idempotent: a second run applies nothing', async () => {
      assert.deepEqual(await migrateToLatest(db), { applied: [] });
    });

    it('a 4-byte emoji in names, keywords and replies round-trips unchanged (utf8mb4 tables)', async () => {
      const emoji = '流量红包 🧧😀 𠮷';
      await insertAccount(id, emoji);
      await insertRule(id, '🧧');
      const account = await db.selectFrom('accounts').select('name').where('id', '=', id).executeTakeFirst();
      assert.equal(account?.name, emoji);
      assert.deepEqual(await rulesOf(id), [{ keyword: '🧧', reply: JSON.stringify({ type: 'text', content: 'a' }) }]);
    });

    it('deleting an account deletes its rules (foreign key cascade)', async () => {
      await insertAccount(id);
      await insertRule(id);
      await db.deleteFrom('accounts').where('id', '=', id).execute();
      assert.deepEqual(await rulesOf(id), []);
    });

    it('a rule for an unknown account is refused by the foreign key', async () => {
      await assert.rejects(insertRule(`ghost-${id}`), /foreign key/i);
    });
  });
}
