import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteAccount, findAccount, listAccounts, upsertAccount } from '../../src/db/accounts.repository.js';
import type { Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { deleteRule, insertRule, listRules, updateRule, upsertRule } from '../../src/db/rules.repository.js';
import { seed, seedFromFile } from '../../src/db/seed.js';
import { uniqueSuffix } from './support.js';

/** A fresh, empty database of one dialect; `cleanup` drops it. */
export interface DatabaseHarness {
  readonly db: Db;
  cleanup(): Promise<void>;
}

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

const account = (id: string, name = 'Account') => ({
  id,
  name,
  appId: `wx${id}`,
  appSecret: 'secret',
  token: 'token123',
  encryptMode: 'safe' as const,
  encodingAesKey: AES_KEY,
});

/** The database contract both dialects honour: migrations, repositories, seeding. */
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

    it('migrations are idempotent: a second run applies nothing', async () => {
      assert.deepEqual(await migrateToLatest(db), { applied: [] });
    });

    it('an account upserted twice is updated, not duplicated, keeping its creation time', async () => {
      await upsertAccount(db, account(id, 'First'), new Date('2026-01-01T00:00:00.000Z'));
      await upsertAccount(
        db,
        { ...account(id, 'Second'), encodingAesKey: undefined, encryptMode: 'plain' },
        new Date('2026-01-02T00:00:00.000Z'),
      );
      const found = await findAccount(db, id);
      assert.equal(found?.name, 'Second');
      assert.equal(found?.encryptMode, 'plain');
      assert.equal(found?.encodingAesKey, undefined);
      assert.equal(found?.createdAt.toISOString(), '2026-01-01T00:00:00.000Z');
      assert.equal(found?.updatedAt.toISOString(), '2026-01-02T00:00:00.000Z');
      assert.equal((await listAccounts(db)).filter((a) => a.id === id).length, 1);
    });

    it('an unknown account is undefined, not an error', async () => {
      assert.equal(await findAccount(db, `missing-${id}`), undefined);
    });

    it('a 4-byte emoji in names, keywords and replies round-trips unchanged', async () => {
      const emoji = '流量红包 🧧😀 𠮷';
      await upsertAccount(db, account(id, emoji));
      assert.equal((await findAccount(db, id))?.name, emoji);
      await insertRule(db, {
        accountId: id,
        kind: 'keyword',
        keyword: '🧧',
        reply: { type: 'text', content: emoji },
      });
      const [rule] = await listRules(db, id);
      assert.equal(rule?.keyword, '🧧');
      assert.deepEqual(rule?.reply, { type: 'text', content: emoji });
    });

    it('rules are listed highest priority first, ties by insertion, replies parsed', async () => {
      await upsertAccount(db, account(id));
      const low = await insertRule(db, { accountId: id, kind: 'default', reply: { type: 'text', content: 'default' } });
      const high = await insertRule(db, {
        accountId: id,
        kind: 'keyword',
        matchType: 'contains',
        keyword: 'bill',
        priority: 10,
        enabled: false,
        reply: { type: 'news', articles: [{ title: 'Bill', url: 'https://example.com' }] },
      });
      const tie = await insertRule(db, {
        accountId: id,
        kind: 'subscribe',
        reply: { type: 'text', content: 'welcome' },
      });
      const rules = await listRules(db, id);
      assert.deepEqual(
        rules.map((r) => r.id),
        [high.id, low.id, tie.id],
      );
      assert.equal(rules[0]?.enabled, false);
      assert.equal(rules[0]?.matchType, 'contains');
      assert.deepEqual(rules[0]?.reply, { type: 'news', articles: [{ title: 'Bill', url: 'https://example.com' }] });
      assert.equal(rules[1]?.keyword, undefined);
    });

    it('upsertRule updates the rule with the same account, kind, match type and keyword', async () => {
      await upsertAccount(db, account(id));
      const first = await upsertRule(db, {
        accountId: id,
        kind: 'keyword',
        keyword: 'hi',
        reply: { type: 'text', content: 'a' },
      });
      const second = await upsertRule(db, {
        accountId: id,
        kind: 'keyword',
        keyword: 'hi',
        reply: { type: 'text', content: 'b' },
      });
      await upsertRule(db, { accountId: id, kind: 'default', reply: { type: 'text', content: 'x' } });
      await upsertRule(db, { accountId: id, kind: 'default', reply: { type: 'text', content: 'y' } });
      assert.equal(second.id, first.id);
      const rules = await listRules(db, id);
      assert.deepEqual(
        rules.map((r) => r.reply),
        [
          { type: 'text', content: 'b' },
          { type: 'text', content: 'y' },
        ],
      );
    });

    it('updateRule and deleteRule report whether the rule existed', async () => {
      await upsertAccount(db, account(id));
      const rule = await insertRule(db, { accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } });
      assert.equal(
        await updateRule(db, rule.id, { accountId: id, kind: 'default', reply: { type: 'image', mediaId: 'm' } }),
        true,
      );
      assert.deepEqual((await listRules(db, id))[0]?.reply, { type: 'image', mediaId: 'm' });
      assert.equal(await deleteRule(db, rule.id), true);
      assert.equal(await deleteRule(db, rule.id), false);
      assert.equal(
        await updateRule(db, rule.id, { accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } }),
        false,
      );
    });

    it('deleting an account deletes its rules (foreign key cascade)', async () => {
      await upsertAccount(db, account(id));
      await insertRule(db, { accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } });
      assert.equal(await deleteAccount(db, id), true);
      assert.deepEqual(await listRules(db, id), []);
    });

    it('a rule for an unknown account is refused by the foreign key', async () => {
      await assert.rejects(
        insertRule(db, { accountId: `ghost-${id}`, kind: 'default', reply: { type: 'text', content: 'a' } }),
        /foreign key/i,
      );
    });

    it('a keyword rule with an invalid regex or no keyword is refused before writing', async () => {
      await upsertAccount(db, account(id));
      await assert.rejects(
        insertRule(db, {
          accountId: id,
          kind: 'keyword',
          matchType: 'regex',
          keyword: '([',
          reply: { type: 'text', content: 'a' },
        }),
        { code: 'bad_request' },
      );
      await assert.rejects(insertRule(db, { accountId: id, kind: 'keyword', reply: { type: 'text', content: 'a' } }), {
        code: 'bad_request',
      });
      assert.deepEqual(await listRules(db, id), []);
    });

    it('seeding the same file twice leaves the same accounts and rules', async () => {
      const data = {
        accounts: [
          {
            ...account(id, '演示 🧧'),
            rules: [
              { kind: 'subscribe', reply: { type: 'text', content: '欢迎' } },
              {
                kind: 'keyword',
                matchType: 'regex',
                keyword: '^bill\\s*\\d*$',
                reply: { type: 'text', content: 'bill' },
              },
            ],
          },
        ],
      };
      const dir = await mkdtemp(join(tmpdir(), 'mpstack-seed-'));
      try {
        const file = join(dir, 'seed.json');
        await writeFile(file, JSON.stringify(data));
        assert.deepEqual(await seedFromFile(db, file), { accounts: 1, rules: 2 });
        const before = await listRules(db, id);
        await seedFromFile(db, file);
        const after = await listRules(db, id);
        assert.deepEqual(
          after.map((r) => [r.id, r.kind, r.keyword, r.reply]),
          before.map((r) => [r.id, r.kind, r.keyword, r.reply]),
        );
        assert.equal((await findAccount(db, id))?.name, '演示 🧧');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('a bad seed is rejected with every problem listed and nothing written', async () => {
      const bad = {
        accounts: [
          {
            ...account(id),
            token: 't',
            encodingAesKey: undefined,
            rules: [{ kind: 'keyword', reply: { type: 'text' } }],
          },
          {
            ...account(id),
            encryptMode: 'weird',
            rules: [{ kind: 'keyword', matchType: 'regex', keyword: '([', reply: { type: 'text', content: 'x' } }],
          },
        ],
      };
      const error = await seed(db, bad).then(
        () => assert.fail('seed accepted bad data'),
        (e: unknown) => e as { code: string; message: string },
      );
      assert.equal(error.code, 'config_invalid');
      for (const expected of [
        'accounts.0.token',
        'accounts.0.encodingAesKey',
        'accounts.0.rules.0.reply.content',
        'accounts.0.rules.0.keyword: required',
        'accounts.1.encryptMode',
        'accounts.1.rules.0.keyword: not a valid regular expression',
      ]) {
        assert.ok(error.message.includes(expected), `missing "${expected}" in:\n${error.message}`);
      }
      assert.equal(await findAccount(db, id), undefined);
    });

    it('an unreadable seed file is a config error', async () => {
      await assert.rejects(seedFromFile(db, join(tmpdir(), `missing-${id}.json`)), { code: 'config_invalid' });
    });
  });
}
