import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccountsRepository, createRulesRepository, queryAudit, recordAudit } from '@mpstack/admin';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import { seed, seedFromFile } from '../../src/seed/seed.js';

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

/** Seed files (`mpstack migrate --seed`, `MPSTACK_SEED_FILE`) through the admin service's writes, on both adapters. */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`seed files on ${dialect}`, () => {
    let db: Db;
    let dir: string;
    let mariadb: TestDatabase | undefined;
    let id: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mpstack-seed-'));
      mariadb = dialect === 'MariaDB' ? await createTestDatabase() : undefined;
      db = createDatabase(mariadb === undefined ? { sqlitePath: join(dir, 'mpstack.db') } : { url: mariadb.url });
      await migrateToLatest(db);
    });
    after(async () => {
      await db?.destroy();
      await mariadb?.drop();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      id = `acct-${randomBytes(5).toString('hex')}`;
    });

    it('seeding the same file twice leaves the same accounts and rules, and audits and announces each write', async () => {
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
      const file = join(dir, `${id}.json`);
      await writeFile(file, JSON.stringify(data));
      const announced: string[] = [];
      const publish = async (channel: string, payload: string) => {
        announced.push(`${channel} ${payload}`);
      };
      assert.deepEqual(await seedFromFile({ db, publish, audit: recordAudit }, file), { accounts: 1, rules: 2 });
      const before = await createRulesRepository(db).list(id);
      await seedFromFile({ db }, file);
      const after = await createRulesRepository(db).list(id);
      assert.deepEqual(
        after.map((r) => [r.id, r.kind, r.keyword, r.reply]),
        before.map((r) => [r.id, r.kind, r.keyword, r.reply]),
      );
      assert.equal((await createAccountsRepository(db).find(id))?.name, '演示 🧧');
      const audited = await queryAudit(db, { target: id, limit: 10 });
      assert.deepEqual(
        [...audited.items].reverse().map((row) => [row.actor, row.ip, row.action]),
        [
          ['mpstack seed', 'local', 'accounts.seed'],
          ['mpstack seed', 'local', 'rules.seed'],
          ['mpstack seed', 'local', 'rules.seed'],
        ],
      );
      assert.ok(!JSON.stringify(audited.items).includes(AES_KEY), 'the key masked in the audit log');
      assert.deepEqual(announced, [
        `mpstack:accounts-changed ${id}`,
        `mpstack:rules-changed ${id}`,
        `mpstack:rules-changed ${id}`,
      ]);
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
      const error = await seed({ db }, bad).then(
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
      assert.equal(await createAccountsRepository(db).find(id), undefined);
    });

    it('an unreadable seed file is a config error', async () => {
      await assert.rejects(seedFromFile({ db }, join(tmpdir(), `missing-${id}.json`)), { code: 'config_invalid' });
    });
  });
}
