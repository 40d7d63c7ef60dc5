import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Db } from '@mpstack/common/db';
import { createAccountsRepository } from '../../src/accounts/accounts.repository.js';
import { createRulesRepository } from '../../src/rules/rules.repository.js';
import { dialects, openTestDb, type TestDb } from '../support/databases.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

const account = (id: string, name = 'Account') => ({
  id,
  name,
  appId: `wx${randomBytes(8).toString('hex')}`,
  appSecret: 'secret',
  token: 'token123',
  encryptMode: 'safe' as const,
  encodingAesKey: AES_KEY,
});

/** The accounts and reply-rules repositories (the admin service writes both tables) on both adapters. */
for (const dialect of dialects) {
  describe(`accounts and rules repositories on ${dialect}`, () => {
    let test: TestDb;
    let db: Db;
    let id: string;
    before(async () => {
      test = await openTestDb(dialect);
      db = test.db;
    });
    after(async () => test?.cleanup());
    beforeEach(() => {
      id = `acct-${randomBytes(5).toString('hex')}`;
    });
    const accounts = () => createAccountsRepository(db);
    const rules = () => createRulesRepository(db);

    it('an account upserted twice is updated, not duplicated, keeping its creation time', async () => {
      await accounts().upsert(account(id, 'First'), new Date('2026-01-01T00:00:00.000Z'));
      await accounts().upsert(
        { ...account(id, 'Second'), encodingAesKey: undefined, encryptMode: 'plain' },
        new Date('2026-01-02T00:00:00.000Z'),
      );
      const found = await accounts().find(id);
      assert.equal(found?.name, 'Second');
      assert.equal(found?.encryptMode, 'plain');
      assert.equal(found?.encodingAesKey, undefined);
      assert.equal(found?.createdAt.toISOString(), '2026-01-01T00:00:00.000Z');
      assert.equal(found?.updatedAt.toISOString(), '2026-01-02T00:00:00.000Z');
      assert.equal((await accounts().list()).filter((a) => a.id === id).length, 1);
    });

    it('an unknown account is undefined, not an error; an AppID is found on another account only', async () => {
      assert.equal(await accounts().find(`missing-${id}`), undefined);
      const stored = account(id);
      await accounts().upsert(stored);
      assert.equal((await accounts().findByAppId(stored.appId))?.id, id);
      assert.equal(await accounts().findByAppId(stored.appId, id), undefined);
    });

    it('a 4-byte emoji in names, keywords and replies round-trips unchanged', async () => {
      const emoji = '流量红包 🧧😀 𠮷';
      await accounts().upsert(account(id, emoji));
      assert.equal((await accounts().find(id))?.name, emoji);
      await rules().insert({ accountId: id, kind: 'keyword', keyword: '🧧', reply: { type: 'text', content: emoji } });
      const [rule] = await rules().list(id);
      assert.equal(rule?.keyword, '🧧');
      assert.deepEqual(rule?.reply, { type: 'text', content: emoji });
    });

    it('rules are listed highest priority first, ties by insertion, replies parsed', async () => {
      await accounts().upsert(account(id));
      const low = await rules().insert({ accountId: id, kind: 'default', reply: { type: 'text', content: 'default' } });
      const high = await rules().insert({
        accountId: id,
        kind: 'keyword',
        matchType: 'contains',
        keyword: 'bill',
        priority: 10,
        enabled: false,
        reply: { type: 'news', articles: [{ title: 'Bill', url: 'https://example.com' }] },
      });
      const tie = await rules().insert({
        accountId: id,
        kind: 'subscribe',
        reply: { type: 'text', content: 'welcome' },
      });
      const listed = await rules().list(id);
      assert.deepEqual(
        listed.map((r) => r.id),
        [high.id, low.id, tie.id],
      );
      assert.equal(listed[0]?.enabled, false);
      assert.equal(listed[0]?.matchType, 'contains');
      assert.deepEqual(listed[0]?.reply, { type: 'news', articles: [{ title: 'Bill', url: 'https://example.com' }] });
      assert.equal(listed[1]?.keyword, undefined);
    });

    it('upsert updates the rule with the same account, kind, match type and keyword (inside a transaction)', async () => {
      await accounts().upsert(account(id));
      const upsert = (input: Parameters<ReturnType<typeof rules>['upsert']>[0]) =>
        db.transaction().execute((trx) => createRulesRepository(trx).upsert(input));
      const first = await upsert({
        accountId: id,
        kind: 'keyword',
        keyword: 'hi',
        reply: { type: 'text', content: 'a' },
      });
      const second = await upsert({
        accountId: id,
        kind: 'keyword',
        keyword: 'hi',
        reply: { type: 'text', content: 'b' },
      });
      await upsert({ accountId: id, kind: 'default', reply: { type: 'text', content: 'x' } });
      await upsert({ accountId: id, kind: 'default', reply: { type: 'text', content: 'y' } });
      assert.equal(second.id, first.id);
      assert.deepEqual(
        (await rules().list(id)).map((r) => r.reply),
        [
          { type: 'text', content: 'b' },
          { type: 'text', content: 'y' },
        ],
      );
    });

    it('update and delete report whether the rule existed', async () => {
      await accounts().upsert(account(id));
      const rule = await rules().insert({ accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } });
      assert.equal(
        await rules().update(rule.id, { accountId: id, kind: 'default', reply: { type: 'image', mediaId: 'm' } }),
        true,
      );
      assert.deepEqual((await rules().list(id))[0]?.reply, { type: 'image', mediaId: 'm' });
      assert.equal(await rules().delete(rule.id), true);
      assert.equal(await rules().delete(rule.id), false);
      assert.equal(
        await rules().update(rule.id, { accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } }),
        false,
      );
    });

    it('deleting an account deletes its rules and reports whether it existed', async () => {
      await accounts().upsert(account(id));
      await rules().insert({ accountId: id, kind: 'default', reply: { type: 'text', content: 'a' } });
      assert.equal(await accounts().delete(id), true);
      assert.equal(await accounts().delete(id), false);
      assert.deepEqual(await rules().list(id), []);
    });

    it('a rule for an unknown account is refused by the foreign key', async () => {
      await assert.rejects(
        rules().insert({ accountId: `ghost-${id}`, kind: 'default', reply: { type: 'text', content: 'a' } }),
        /foreign key/i,
      );
    });

    it('a keyword rule with an invalid regex or no keyword is refused before writing', async () => {
      await accounts().upsert(account(id));
      await assert.rejects(
        rules().insert({
          accountId: id,
          kind: 'keyword',
          matchType: 'regex',
          keyword: '([',
          reply: { type: 'text', content: 'a' },
        }),
        { code: 'bad_request' },
      );
      await assert.rejects(rules().insert({ accountId: id, kind: 'keyword', reply: { type: 'text', content: 'a' } }), {
        code: 'bad_request',
      });
      assert.deepEqual(await rules().list(id), []);
    });
  });
}
