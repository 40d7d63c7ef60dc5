import assert from 'node:assert/strict';
import { MassRepository } from '@mpstack/business';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';

/**
 * The mass-send limits (one a day for a subscription account, four a month to everyone for a
 * service account) count what may have reached followers, on the real MariaDB.
 */
describe('outbound: what counts against the mass-send limits (MariaDB)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let db: Db;
  let mass: MassRepository;
  const day = Date.UTC(2026, 11, 4);

  before(async () => {
    database = await createTestDatabase('mpstack_masslim');
    db = createDatabase({ url: database.url });
    await migrateToLatest(db);
    mass = new MassRepository(db);
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const failedWith = async (account: string, errcode: number, errmsg: string) => {
    const id = await mass.create({
      account,
      target: 'all',
      tagId: null,
      msgtype: 'text',
      content: { content: '通知' },
      scheduledAt: day + 1_000,
      now: day,
    });
    assert.equal(await mass.claimAttempt(id, day + 2_000, 60_000), true);
    await mass.failed(id, errcode, errmsg);
    return id;
  };

  it('a send given up after 23 hours without an answer still counts; one WeChat refused does not', async () => {
    await failedWith('acct_unknown', -1, 'no answer from WeChat within 23 hours');
    await failedWith('acct_unknown', 45066, 'no answer from WeChat within 23 hours');
    await failedWith('acct_refused', 45028, 'has no masssend quota');
    assert.equal(await mass.countActive('acct_unknown', 'all', day, day + 86_400_000), 2);
    assert.equal(await mass.countActive('acct_refused', 'all', day, day + 86_400_000), 0);
    assert.equal(await mass.countActive('acct_refused', undefined, day, day + 86_400_000), 0);
  });

  it('a cancelled send does not count; a scheduled one does', async () => {
    const cancelled = await mass.create({
      account: 'acct_cancel',
      target: 'all',
      tagId: null,
      msgtype: 'text',
      content: { content: '通知' },
      scheduledAt: day + 5_000,
      now: day,
    });
    await mass.create({
      account: 'acct_cancel',
      target: 'tag',
      tagId: 2,
      msgtype: 'text',
      content: { content: '通知' },
      scheduledAt: day + 6_000,
      now: day,
    });
    assert.equal(await mass.transition(cancelled, ['scheduled'], 'cancelled'), true);
    assert.equal(await mass.countActive('acct_cancel', 'all', day, day + 86_400_000), 0);
    assert.equal(await mass.countActive('acct_cancel', undefined, day, day + 86_400_000), 1);
  });
});
