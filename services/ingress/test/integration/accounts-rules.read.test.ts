import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import { loadAccountSources } from '../../src/accounts/accounts.repository.js';
import { listEnabledRules } from '../../src/rules/rules.repository.js';
import { randomAesKey } from '../support/accounts.js';
import { storeAccount, storeRule } from '../support/stored.js';

/** The ingress's read side of `accounts` and `reply_rules` (the admin service writes them), on both adapters. */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`ingress account and rule queries on ${dialect}`, () => {
    let db: Db;
    let mariadb: TestDatabase | undefined;
    let dir: string;
    const current = randomAesKey();
    const previous = randomAesKey();
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mpstack-ingress-read-'));
      mariadb = dialect === 'MariaDB' ? await createTestDatabase() : undefined;
      db = createDatabase(mariadb === undefined ? { sqlitePath: join(dir, 'mpstack.db') } : { url: mariadb.url });
      await migrateToLatest(db);
      await storeAccount(db, {
        id: 'rotating',
        appId: 'wx1111111111111111',
        appSecret: 'S3CRET-never-loaded',
        token: 'TOKrotating',
        encodingAesKey: current,
        previousEncodingAesKey: previous,
        encryptMode: 'safe',
      });
      await storeAccount(db, {
        id: 'quiet',
        appId: 'wx2222222222222222',
        token: 'TOKquiet',
        encryptMode: 'plain',
        disabled: true,
      });
    });
    after(async () => {
      await db?.destroy();
      await mariadb?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('loads every account with both keys and whether it is disabled, never the AppSecret', async () => {
      const sources = await loadAccountSources(db);
      assert.deepEqual(sources, [
        {
          id: 'quiet',
          appId: 'wx2222222222222222',
          token: 'TOKquiet',
          encryptMode: 'plain',
          encodingAesKey: undefined,
          previousEncodingAesKey: undefined,
          disabled: true,
        },
        {
          id: 'rotating',
          appId: 'wx1111111111111111',
          token: 'TOKrotating',
          encryptMode: 'safe',
          encodingAesKey: current,
          previousEncodingAesKey: previous,
          disabled: false,
        },
      ]);
      assert.doesNotMatch(JSON.stringify(sources), /S3CRET/);
    });

    it('lists the enabled rules only, highest priority first, ties by insertion, 4-byte emoji intact', async () => {
      await storeRule(db, 'rotating', { kind: 'default', reply: { type: 'text', content: 'default' } });
      await storeRule(db, 'rotating', {
        kind: 'keyword',
        matchType: 'contains',
        keyword: '🧧',
        priority: 10,
        reply: { type: 'text', content: '流量红包 🧧😀 𠮷' },
      });
      await storeRule(db, 'rotating', { kind: 'subscribe', reply: { type: 'text', content: 'welcome' } });
      await storeRule(db, 'rotating', {
        kind: 'keyword',
        keyword: 'off',
        priority: 99,
        enabled: false,
        reply: { type: 'text', content: 'off' },
      });
      const rules = await listEnabledRules(db, 'rotating');
      assert.deepEqual(
        rules.map((r) => [r.kind, r.matchType, r.keyword, r.reply, r.enabled]),
        [
          ['keyword', 'contains', '🧧', { type: 'text', content: '流量红包 🧧😀 𠮷' }, true],
          ['default', 'exact', undefined, { type: 'text', content: 'default' }, true],
          ['subscribe', 'exact', undefined, { type: 'text', content: 'welcome' }, true],
        ],
      );
      assert.deepEqual(await listEnabledRules(db, 'nobody'), []);
    });

    it('a stored reply that is not a valid reply is a loud reply_invalid error', async () => {
      await storeRule(db, 'quiet', { kind: 'default', reply: { type: 'text' } as never });
      await assert.rejects(listEnabledRules(db, 'quiet'), { code: 'reply_invalid' });
    });
  });
}
