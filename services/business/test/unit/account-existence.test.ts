import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { AccountExistence } from '../../src/accounts/account-existence.js';
import { insertAccount } from '../support/dialect-db.js';

/**
 * The accounts the API accepts sends for: found once, then answered from memory until the
 * console announces a change of the account (or the backstop age); a missing account is asked
 * again every time.
 */
describe('business/account existence', () => {
  let db: Db;
  let dir: string;
  let now = 1_000;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpstack-account-existence-'));
    db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
    await migrateToLatest(db);
  });
  after(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (id: string) => insertAccount(db, id, `wx${id.padStart(16, '0')}`);
  const remove = (id: string) => db.deleteFrom('accounts').where('id', '=', id).execute();

  it('remembers an account found until it is forgotten (the accounts channel) or too old', async () => {
    const existence = new AccountExistence({ db, maxAgeMs: 60_000, now: () => now });
    await insert('a1');
    assert.equal(await existence.exists('a1'), true);
    await remove('a1');
    assert.equal(await existence.exists('a1'), true, 'answered from memory');
    existence.forget('a1');
    assert.equal(await existence.exists('a1'), false, 'read again once announced');
    await insert('a1');
    assert.equal(await existence.exists('a1'), true);
    await remove('a1');
    now += 60_000;
    assert.equal(await existence.exists('a1'), false, 'read again past the backstop age');
  });

  it('asks again for an account not found: created the next moment, it is accepted', async () => {
    const existence = new AccountExistence({ db, now: () => now });
    assert.equal(await existence.exists('a2'), false);
    await insert('a2');
    assert.equal(await existence.exists('a2'), true);
  });

  it('shares one lookup among the questions asked while it runs', async () => {
    await insert('a3');
    let reads = 0;
    const counting = db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        reads += 1;
        return args.result;
      },
    }) as Db;
    const existence = new AccountExistence({ db: counting, now: () => now });
    const answers = await Promise.all(Array.from({ length: 10 }, () => existence.exists('a3')));
    assert.deepEqual(answers, Array(10).fill(true));
    assert.equal(reads, 1);
  });
});
