import assert from 'node:assert/strict';
import { encodeKefuJob } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { DeliveryHandler, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { KyselyPlugin, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import { AccountExistence } from '../../src/accounts/account-existence.js';
import { KefuRepository } from '../../src/kefu/kefu.repository.js';
import { KefuService, sweepKefuSends } from '../../src/kefu/kefu.service.js';
import { KefuWorker } from '../../src/kefu/kefu-worker.js';
import type { CustomMessage, OutboundApi } from '../../src/wechat/outbound-api.js';
import { type DialectDb, insertAccount, openDialectDb } from '../support/dialect-db.js';

/** Counts the statements run through the database it is plugged into. */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery<T>(args: { node: T }): T {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count += 1;
    return args.result;
  }
}

/** A queue that keeps what is published and hands a job to the worker when the test says. */
function handQueue(): { queue: QueuePort; published: Buffer[]; deliver(body: Buffer): Promise<HandlerOutcome> } {
  const published: Buffer[] = [];
  let handler: DeliveryHandler | undefined;
  const queue = {
    async declare() {},
    async publish(_queue: string, body: Buffer) {
      published.push(body);
    },
    async consume(_queue: string, consume: DeliveryHandler) {
      handler = consume;
      return { cancel: async () => undefined };
    },
    async depth() {
      return 0;
    },
    isConnected: () => true,
    async close() {},
  } as unknown as QueuePort;
  const deliver = (body: Buffer) => {
    if (handler === undefined) throw new Error('the worker is not consuming');
    return handler({ body, messageId: undefined, headers: {}, redelivered: false, deliveryCount: 0 });
  };
  return { queue, published, deliver };
}

/**
 * A customer-service send's statements on both dialects: one at the API (the account's existence
 * answered from its cache), two in the worker (the claim, the outcome) — the job carries the send,
 * so nothing is read. Its promises hold as before: a job without the send (the sweeper's) reads
 * the row, a job delivered again for a send done or in flight sends nothing.
 */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`a customer-service send's round trips on ${dialect}`, () => {
    let db: Db;
    let opened: DialectDb | undefined;
    const counter = new StatementCounter();
    const calls: CustomMessage[] = [];
    /** How many next calls fail before going out (no host took the connection). */
    let refusals = 0;
    const hand = handQueue();
    let service: KefuService;
    let kefu: KefuRepository;
    let worker: KefuWorker;

    before(async () => {
      opened = await openDialectDb(dialect, 'mpstack-kefu-trips-');
      db = opened.db;
      await insertAccount(db, 'shop', 'wx0000000000000001');
      const counted = db.withPlugin(counter) as Db;
      kefu = new KefuRepository(counted);
      const existence = new AccountExistence({ db: counted });
      service = new KefuService({
        kefu,
        queue: hand.queue,
        clock: Date.now,
        accountExists: (account) => existence.exists(account),
      });
      const api = {
        async sendCustom(_account: string, message: CustomMessage) {
          if (refusals > 0) {
            refusals -= 1;
            throw new Error('connect ECONNREFUSED 127.0.0.1:1 (no host took the connection)');
          }
          calls.push(message);
        },
      } as unknown as OutboundApi;
      worker = new KefuWorker({
        kefu,
        api,
        queue: hand.queue,
        logger: createLogger({ service: 'business', level: 'silent' }),
        prefetch: 1,
        retryDelayMs: 20,
      });
      await worker.start();
      // The account's existence read once, here.
      await service.accept({ account: 'shop', openId: 'oWarm', message: { msgtype: 'text', text: { content: 'x' } } });
    });
    after(async () => {
      await worker.close();
      await opened?.dispose();
    });

    const message = { msgtype: 'text' as const, text: { content: '您好 😀' } };

    it('three statements a send: the insert at the API, the claim and the outcome in the worker', async () => {
      counter.count = 0;
      const { sendId } = await service.accept({ account: 'shop', openId: 'oFollower1', message });
      assert.equal(counter.count, 1, 'the API: the insert (the account from its cache)');
      const job = hand.published.at(-1) as Buffer;
      counter.count = 0;
      calls.length = 0;
      assert.deepEqual(await hand.deliver(job), { action: 'ack' });
      assert.equal(counter.count, 2, 'the worker: the claim and the outcome');
      assert.deepEqual(calls, [{ touser: 'oFollower1', ...message }]);
      const row = await kefu.get(sendId);
      assert.equal(row?.status, 'sent');
      assert.equal(row?.attempts, 1);
      // Delivered again (a redelivery, a second publish): nothing is sent.
      calls.length = 0;
      assert.deepEqual(await hand.deliver(job), { action: 'ack' });
      assert.deepEqual(calls, []);
      assert.equal((await kefu.get(sendId))?.status, 'sent');
    });

    it("the sweeper's job (the id alone) reads the row it claimed and sends it once", async () => {
      const { sendId } = await service.accept({ account: 'shop', openId: 'oFollower2', message });
      const before = hand.published.length;
      await service.publish(sendId);
      const bare = hand.published.at(-1) as Buffer;
      assert.equal(hand.published.length, before + 1);
      assert.deepEqual(JSON.parse(bare.toString()), { sendId });
      calls.length = 0;
      assert.deepEqual(await hand.deliver(bare), { action: 'ack' });
      assert.deepEqual(calls, [{ touser: 'oFollower2', ...message }]);
      assert.equal((await kefu.get(sendId))?.status, 'sent');
    });

    it('a job for a send left sending (its worker died mid-call): unknown, not sent', async () => {
      const { sendId } = await service.accept({ account: 'shop', openId: 'oFollower3', message });
      const job = hand.published.at(-1) as Buffer;
      assert.ok(await kefu.claim(sendId, Date.now()), 'a worker took it, then died');
      calls.length = 0;
      assert.deepEqual(await hand.deliver(job), { action: 'ack' });
      assert.deepEqual(calls, []);
      const row = await kefu.get(sendId);
      assert.equal(row?.status, 'unknown');
      assert.match(row?.errmsg ?? '', /not sent again/);
    });

    it('a call that did not go out: queued again, due after its back-off — the sweeper does not queue a second job meanwhile, only once it is overdue', async () => {
      const { sendId } = await service.accept({ account: 'shop', openId: 'oFollower5', message });
      const job = hand.published.at(-1) as Buffer;
      refusals = 1;
      const before = Date.now();
      assert.deepEqual(await hand.deliver(job), { action: 'retry' });
      const released = await kefu.get(sendId);
      assert.equal(released?.status, 'queued');
      assert.equal(released?.attempts, 1);
      // Due after the worker's back-off (20 ms) and the consumer's requeue back-off (at most 5 s).
      assert.ok((released?.updatedAt ?? 0) >= before + 20 + 5_000, `due at ${released?.updatedAt}, released ${before}`);
      const jobsFor = () => hand.published.filter((b) => JSON.parse(b.toString()).sendId === sendId).length;
      const published = jobsFor();
      // A second past a stall time of one second since the release: its job is still held (or
      // requeued), so nothing is queued again. Stamped with the release time, it was.
      await sweepKefuSends(kefu, service, hand.queue, { now: Date.now() + 2_000, stallMs: 1_000 });
      assert.equal(jobsFor(), published, 'no second job while the first is held');
      // Its job lost (a broker gone with it): queued again once overdue.
      await sweepKefuSends(kefu, service, hand.queue, { now: (released?.updatedAt ?? 0) + 1_001, stallMs: 1_000 });
      assert.equal(jobsFor(), published + 1, 'queued again once overdue');
      calls.length = 0;
      assert.deepEqual(await hand.deliver(job), { action: 'ack' });
      assert.deepEqual(calls, [{ touser: 'oFollower5', ...message }]);
      // The sweeper's job, delivered after: the send is done, nothing goes out again.
      assert.deepEqual(await hand.deliver(encodeKefuJob({ sendId })), { action: 'ack' });
      assert.equal(calls.length, 1);
      const row = await kefu.get(sendId);
      assert.deepEqual([row?.status, row?.attempts], ['sent', 2]);
    });

    it("two replicas' sweepers at once queue a stale send's job once", async () => {
      const { sendId } = await service.accept({ account: 'shop', openId: 'oFollower6', message });
      const jobsFor = () => hand.published.filter((b) => JSON.parse(b.toString()).sendId === sendId).length;
      const published = jobsFor();
      const now = Date.now() + 5_000;
      await Promise.all([1, 2].map(() => sweepKefuSends(kefu, service, hand.queue, { now, stallMs: 1_000 })));
      assert.equal(jobsFor(), published + 1);
      // The next sweep within the stall time leaves it alone; one past it queues it again.
      await sweepKefuSends(kefu, service, hand.queue, { now: now + 500, stallMs: 1_000 });
      assert.equal(jobsFor(), published + 1);
      await sweepKefuSends(kefu, service, hand.queue, { now: now + 1_001, stallMs: 1_000 });
      assert.equal(jobsFor(), published + 2);
      calls.length = 0;
      for (const body of [encodeKefuJob({ sendId }), encodeKefuJob({ sendId })]) await hand.deliver(body);
      assert.equal(calls.length, 1, 'sent once');
    });

    it('an unknown account is refused at the API (404), asked again every time', async () => {
      await assert.rejects(
        service.accept({ account: 'nobody', openId: 'oFollower4', message }),
        /account "nobody" does not exist/,
      );
      counter.count = 0;
      await assert.rejects(service.accept({ account: 'nobody', openId: 'oFollower4', message }));
      assert.equal(counter.count, 1, 'a missing account is not remembered');
    });
  });
}
