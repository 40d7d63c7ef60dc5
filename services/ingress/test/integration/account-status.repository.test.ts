import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import { createAccountStatusRepository } from '../../src/account-status/account-status.repository.js';
import { randomAesKey } from '../support/accounts.js';
import { storeAccount, storeRule } from '../support/stored.js';

const secret = 'S3CRET-app-secret-0123456789abcdef';
const seedData = () => ({
  accounts: [
    {
      id: 'rotating',
      name: '轮换中 😀',
      appId: 'wx1111111111111111',
      appSecret: secret,
      token: 'TOKrotating',
      encodingAesKey: randomAesKey(),
      previousEncodingAesKey: randomAesKey(),
      encryptMode: 'safe' as const,
      rules: [
        { kind: 'subscribe' as const, reply: { type: 'text' as const, content: '欢迎' } },
        {
          kind: 'keyword' as const,
          matchType: 'exact' as const,
          keyword: '话费',
          reply: { type: 'text' as const, content: '查询话费' },
        },
      ],
    },
    {
      id: 'quiet',
      name: 'Quiet',
      appId: 'wx2222222222222222',
      appSecret: secret,
      token: 'TOKquiet',
      encryptMode: 'plain' as const,
      disabled: true,
      rules: undefined,
    },
  ],
});

for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`account-status repository on ${dialect}`, () => {
    let db: Db;
    let mariadb: TestDatabase | undefined;
    let dir: string | undefined;
    before(async () => {
      if (dialect === 'MariaDB') {
        mariadb = await createTestDatabase();
        db = createDatabase({ url: mariadb.url, connectionLimit: 2 });
      } else {
        dir = await mkdtemp(join(tmpdir(), 'mpstack-account-status-'));
        db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
      }
      await migrateToLatest(db);
      for (const { rules, ...account } of seedData().accounts) {
        await storeAccount(db, account);
        for (const rule of rules ?? []) await storeRule(db, account.id, rule);
      }
    });
    after(async () => {
      await db.destroy();
      await mariadb?.drop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('lists every account with its rule count and rotation, and never a secret', async () => {
      const repository = createAccountStatusRepository(db);
      const listed = await repository.list();
      assert.deepEqual(
        listed.map((a) => [a.id, a.name, a.appId, a.mode, a.hasPreviousAesKey, a.ruleCount, a.disabled]),
        [
          ['quiet', 'Quiet', 'wx2222222222222222', 'plain', false, 0, true],
          ['rotating', '轮换中 😀', 'wx1111111111111111', 'safe', true, 2, false],
        ],
      );
      assert.ok(listed.every((a) => !Number.isNaN(Date.parse(a.updatedAt))));
      assert.doesNotMatch(JSON.stringify(listed), /S3CRET|TOKrotating|TOKquiet/);
    });

    it('finds one account by id, and nothing for an unknown id', async () => {
      const repository = createAccountStatusRepository(db);
      assert.equal((await repository.find('rotating'))?.ruleCount, 2);
      assert.equal(await repository.find('nobody'), undefined);
    });
  });
}
