import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase, uniqueName } from '@mpstack/testkit';
import {
  claimSpooledMessages,
  countSpooledMessages,
  handOverSpooledMessages,
  type SpooledMessage,
} from '../../src/spool/spooled-messages.repository.js';

/** The spool hand-over table (the ingress is its only writer), on both dialects. */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`spooled_messages repository on ${dialect} (the spool hand-over)`, () => {
    let db: Db;
    let mariadb: TestDatabase | undefined;
    let dir: string | undefined;
    const id = uniqueName('spool');
    before(async () => {
      if (dialect === 'MariaDB') {
        mariadb = await createTestDatabase();
        db = createDatabase({ url: mariadb.url, connectionLimit: 4 });
      } else {
        dir = await mkdtemp(join(tmpdir(), 'mpstack-spooled-'));
        db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
      }
      await migrateToLatest(db);
    });
    after(async () => {
      await db.destroy();
      await mariadb?.drop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    const message = (n: number): SpooledMessage => ({
      queue: `mpstack.inbound.p${n % 4}`,
      messageId: `${id}:dd:m${n}`,
      headers: { account: id, 'x-n': String(n) },
      body: JSON.stringify({ n, text: '离线 😀𠮷' }),
    });

    afterEach(async () => {
      await db.deleteFrom('spooled_messages').execute();
    });

    it('stores a hand-over all or nothing, each message once even when handed over twice', async () => {
      const broken = [message(1), { ...message(2), body: null as unknown as string }];
      await assert.rejects(handOverSpooledMessages(db, broken, 'pod-a'), /NOT NULL|cannot be null/i);
      assert.equal(await countSpooledMessages(db), 0, 'a failed hand-over stores nothing');
      const spool = Array.from({ length: 250 }, (_, i) => message(i));
      await handOverSpooledMessages(db, spool, 'pod-a');
      await handOverSpooledMessages(db, spool.slice(0, 10), 'pod-b');
      assert.equal(await countSpooledMessages(db), 250);
      const claim = await claimSpooledMessages(db, 1, 60_000);
      assert.deepEqual(claim.messages, [{ id: claim.messages[0]?.id, ...message(0) }]);
    });

    it('leases rows to one claimer at a time; forwarded rows are deleted, released rows come back', async () => {
      await handOverSpooledMessages(
        db,
        Array.from({ length: 30 }, (_, i) => message(i)),
        'pod-a',
      );
      const claims = await Promise.all([1, 2, 3].map(() => claimSpooledMessages(db, 12, 60_000)));
      const ids = claims.flatMap((c) => c.messages.map((m) => m.messageId));
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30, 'no row claimed twice');
      assert.deepEqual((await claimSpooledMessages(db, 100, 60_000)).messages, [], 'everything is leased');
      const [first, second] = claims;
      for (const m of first?.messages ?? []) await first?.forwarded(m.id);
      await second?.release();
      const again = await claimSpooledMessages(db, 100, 60_000);
      assert.deepEqual(
        again.messages.map((m) => m.messageId),
        second?.messages.map((m) => m.messageId),
      );
      assert.equal(await countSpooledMessages(db), 30 - (first?.messages.length ?? 0));
    });

    it('lets another claimer take rows whose lease ran out; the late claimer can no longer delete them', async () => {
      await handOverSpooledMessages(db, [message(1)], 'pod-a');
      const late = await claimSpooledMessages(db, 10, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const taker = await claimSpooledMessages(db, 10, 60_000);
      assert.deepEqual(
        taker.messages.map((m) => m.messageId),
        [message(1).messageId],
      );
      await late.forwarded(late.messages[0]?.id ?? -1);
      await late.release();
      assert.equal(await countSpooledMessages(db), 1, 'the late claimer deleted nothing');
      assert.deepEqual((await claimSpooledMessages(db, 10, 60_000)).messages, [], 'nor released the new lease');
      await taker.forwarded(taker.messages[0]?.id ?? -1);
      assert.equal(await countSpooledMessages(db), 0);
    });
  });
}
