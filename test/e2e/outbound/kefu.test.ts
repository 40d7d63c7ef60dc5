import assert from 'node:assert/strict';
import type { RunningBusiness } from '@mpstack/business';
import { AmqpQueue, createCoordination } from '@mpstack/common/adapters';
import {
  decodeLogEvents,
  logEventsDeclaration,
  logEventsQueue,
  recordServiceWindow,
  type SendLogEvent,
} from '@mpstack/common/contracts';
import { createDatabase, type Db } from '@mpstack/common/db';
import type { CoordinationPort } from '@mpstack/common/ports';
import { REDIS_URL, until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { api } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

const kefuApi = '/cgi-bin/message/custom/send';

interface KefuView {
  readonly id: number;
  readonly status: string;
  readonly errcode: number | null;
  readonly errmsg: string | null;
  readonly reason: string | null;
  readonly attempts: number;
}

/**
 * Customer-service sends through the outbound pipeline on MariaDB, Redis, RabbitMQ and the
 * simulator: `POST /api/kefu-sends` → kefu_sends → mpstack.outbound.kefu → the kefu worker →
 * the shared client (its 48-hour window and kefu bucket) → WeChat. What the simulator received
 * is checked for every case: a send refused here never reaches it, a send whose answer was lost
 * reaches it once and is never repeated.
 */
describe('outbound e2e: customer-service (kefu) sends (MariaDB, Redis, RabbitMQ, simulator, ingress)', function () {
  this.timeout(120_000);
  let stand: OutboundStand;
  let base: string;
  let business: RunningBusiness;
  let db: Db;
  let coordination: CoordinationPort;
  let redis: Redis;
  let logQueue: AmqpQueue;
  const sendEvents: SendLogEvent[] = [];

  const send = (openId: string, content: string) =>
    api<{ id: number }>(base, 'POST', '/kefu-sends', {
      account: stand.account,
      openId,
      message: { msgtype: 'text', text: { content } },
    });
  const settled = (id: number) =>
    until(
      async () => {
        const view = await api<KefuView>(base, 'GET', `/kefu-sends/${id}`);
        return view.status === 'queued' || view.status === 'sending' ? undefined : view;
      },
      30_000,
      `kefu send ${id} settled`,
      50,
    );
  const inbox = async (openId: string) =>
    (
      (await stand.control('GET', `/_sim/accounts/${stand.account}/inbox/${openId}`)) as {
        messages: { at: number; body: { text?: { content: string } } }[];
      }
    ).messages;
  /** Calls of message/custom/send the simulator saw for an openid. */
  const callsFor = async (openId: string) => {
    const { calls } = (await stand.control('GET', `/_sim/calls?api=${encodeURIComponent(kefuApi)}`)) as {
      calls: { byOpenid: Record<string, { calls: number }> }[];
    };
    return calls.reduce((sum, row) => sum + (row.byOpenid[openId]?.calls ?? 0), 0);
  };
  /** Opens the window as WeChat (the simulator) and as the ingress (Redis) would both have it. */
  const openWindow = async (openId: string, kind: 'message' | 'event') => {
    await stand.control('POST', `/_sim/accounts/${stand.account}/users/${openId}/interactions`, { kind });
    await recordServiceWindow(coordination, stand.stack.account.appId, openId, kind);
  };

  before(async () => {
    stand = await createOutboundStand({ followers: 14 });
    // The kefu bucket at 4 a second, burst 1: what the pacing test measures.
    // The sweeper every second (a send left queued 2 s is queued again).
    business = await stand.business({ MPSTACK_WECHAT_RATE_KEFU: '4:1', MPSTACK_PUSH_STALL_MS: '2000' });
    base = business.url;
    db = createDatabase({ url: stand.stack.databaseUrl });
    coordination = createCoordination({ redisUrl: REDIS_URL, keyPrefix: stand.stack.keyPrefix });
    redis = new Redis(REDIS_URL);
    logQueue = new AmqpQueue({ url: stand.stack.amqpUrl, connectionName: 'mpstack-e2e-kefu-log' });
    await logQueue.waitUntilConnected(5_000);
    await logQueue.declare([logEventsDeclaration]);
    await logQueue.consume(
      logEventsQueue,
      async (delivery) => {
        for (const event of decodeLogEvents(delivery.body).events) if (event.type === 'send') sendEvents.push(event);
        return { action: 'ack' };
      },
      { prefetch: 10 },
    );
  });
  after(async () => {
    await logQueue?.close();
    await db?.destroy();
    redis?.disconnect();
    await coordination?.close();
    await stand?.dispose();
  });

  it('a follower who messaged the account (through the ingress) gets the text at WeChat', async () => {
    const openId = stand.openId(0);
    const phone = await fetch(`${stand.simulator.hosts.api2}/phone/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: stand.account, openid: openId, action: 'text', content: '在吗？' }),
    });
    assert.equal(phone.status, 200, await phone.text());
    // The ingress records the window after its reply, in its next flush (≤ 250 ms).
    const key = `${stand.stack.keyPrefix}wx:kefu:${stand.stack.account.appId}:${openId}`;
    await until(async () => (await redis.exists(key)) === 1, 10_000, 'the ingress recorded the window', 50);
    const { id } = await send(openId, '您好，您的订单已发货');
    const view = await settled(id);
    assert.equal(view.status, 'sent', JSON.stringify(view));
    assert.deepEqual(
      (await inbox(openId)).map((m) => m.body.text?.content),
      ['您好，您的订单已发货'],
    );
  });

  it('a follower who never interacted: failed 45015 (window_closed) with the reason, nothing reaches WeChat', async () => {
    const openId = stand.openId(1);
    const view = await settled((await send(openId, 'hello')).id);
    assert.deepEqual([view.status, view.errcode, view.reason], ['failed', 45015, 'window_closed']);
    assert.match(view.errmsg ?? '', /not attempted \(window_closed, would get 45015\)/);
    assert.equal(await callsFor(openId), 0, 'never called');
    assert.deepEqual(await inbox(openId), []);
  });

  it("the window's budget used (a menu click: 3 in a minute): the fourth is failed 45047 (window_exhausted)", async () => {
    const openId = stand.openId(2);
    await openWindow(openId, 'event');
    const ids = [];
    for (let i = 1; i <= 4; i += 1) ids.push((await send(openId, `第 ${i} 条`)).id);
    const views = [];
    for (const id of ids) views.push(await settled(id));
    assert.deepEqual(
      views.map((v) => [v.status, v.errcode, v.reason]),
      [
        ['sent', null, null],
        ['sent', null, null],
        ['sent', null, null],
        ['failed', 45047, 'window_exhausted'],
      ],
    );
    assert.equal((await inbox(openId)).length, 3, 'WeChat got exactly the three allowed');
    assert.equal(await callsFor(openId), 3);
  });

  it("WeChat's own 45015 (an interaction the ingress recorded, WeChat did not see) is failed 45015; the next is refused here", async () => {
    const openId = stand.openId(3);
    await recordServiceWindow(coordination, stand.stack.account.appId, openId, 'message');
    const first = await settled((await send(openId, 'one')).id);
    assert.deepEqual([first.status, first.errcode, first.reason], ['failed', 45015, null]);
    assert.match(first.errmsg ?? '', /answered errcode 45015/);
    const second = await settled((await send(openId, 'two')).id);
    assert.deepEqual([second.status, second.errcode, second.reason], ['failed', 45015, 'window_closed']);
    assert.equal(await callsFor(openId), 1, 'the second was not attempted');
    assert.deepEqual(await inbox(openId), []);
  });

  it('a connection lost after WeChat took the send: unknown, reported as such, never sent again', async () => {
    const openId = stand.openId(4);
    await openWindow(openId, 'message');
    await stand.control('POST', '/_sim/faults', { api: kefuApi, drop: true, phase: 'after', times: 1 });
    const view = await settled((await send(openId, 'maybe')).id);
    assert.equal(view.status, 'unknown', JSON.stringify(view));
    assert.match(view.errmsg ?? '', /may have reached WeChat/);
    assert.equal(view.attempts, 1);
    assert.equal((await inbox(openId)).length, 1, 'WeChat took it once');
    assert.equal(await callsFor(openId), 1, 'not repeated on the other host');
    // A later send to the same follower goes out normally.
    assert.equal((await settled((await send(openId, 'after')).id)).status, 'sent');
  });

  it('the kefu bucket paces the sends (4 a second, burst 1), measured at WeChat', async () => {
    const followers = [5, 6].map((n) => stand.openId(n));
    for (const openId of followers) await openWindow(openId, 'message');
    const ids = [];
    for (let i = 0; i < 10; i += 1) ids.push((await send(followers[i % 2] as string, `paced ${i}`)).id);
    for (const id of ids) assert.equal((await settled(id)).status, 'sent');
    const times = (await Promise.all(followers.map(inbox))).flat().map((m) => m.at);
    assert.equal(times.length, 10);
    const spanMs = Math.max(...times) - Math.min(...times);
    // Ten sends at 4/s with a burst of 1: the last goes out at least (10 − 1) / 4 s after the first.
    assert.ok(spanMs >= 2_000, `10 sends spread over ${spanMs} ms`);
  });

  it('every send and its outcome is a kefu log event (the dashboard): sent, refused with the reason, failed 45015', async () => {
    const kefu = () => sendEvents.filter((e) => e.family === 'kefu' && e.account === stand.account);
    await until(() => kefu().length >= 20, 10_000, 'the kefu send events', 50);
    const outcomes = kefu().map((e) =>
      e.outcome === 'sent' ? 'sent' : e.outcome === 'refused' ? `refused ${e.reason}` : `failed ${e.errcode}`,
    );
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    assert.equal(count('sent'), 1 + 3 + 1 + 10, outcomes.join(', '));
    assert.equal(count('refused window_closed'), 2);
    assert.equal(count('refused window_exhausted'), 1);
    assert.equal(count('failed 45015'), 1);
    assert.equal(count('failed -1'), 1, 'the lost answer');
    assert.doesNotMatch(JSON.stringify(kefu()), /oFollower|您好/);
  });

  it("WeChat unreachable (both hosts refuse connections: nothing went out): retried, each attempt's window message given back, sent once when it is back", async () => {
    const openId = stand.openId(8);
    await openWindow(openId, 'event'); // 3 sends in the minute
    const { faults } = stand.simulator.state;
    for (const host of ['api', 'api2'] as const) await faults.setHostDown(host, 'refuse');
    const { id } = await send(openId, 'after the outage');
    try {
      // Backed off 1 s, 2 s, 4 s: the fourth attempt about 7 s in. Each attempt is one job — a
      // send put back to queued is due when its job comes back, so the sweeper (a stall time of
      // 2 s here) does not queue a second one; two jobs would have one find the send claimed by
      // the other and record it unknown.
      let last: KefuView | undefined;
      await until(
        async () => {
          last = await api<KefuView>(base, 'GET', `/kefu-sends/${id}`);
          return last.attempts >= 4;
        },
        40_000,
        'four attempts that did not go out (more than the budget of 3)',
        50,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the send: ${JSON.stringify(last)}`, { cause: error });
      });
    } finally {
      for (const host of ['api', 'api2'] as const) await faults.setHostDown(host, undefined);
    }
    const view = await settled(id);
    assert.equal(view.status, 'sent', JSON.stringify(view));
    assert.ok(view.attempts >= 4, `attempts ${view.attempts}`);
    assert.deepEqual(
      (await inbox(openId)).map((m) => m.body.text?.content),
      ['after the outage'],
    );
    // The attempts that did not go out gave their message back: two of the three are left.
    const more = [];
    for (const content of ['two', 'three', 'four']) more.push(await settled((await send(openId, content)).id));
    assert.deepEqual(
      more.map((v) => [v.status, v.reason]),
      [
        ['sent', null],
        ['sent', null],
        ['failed', 'window_exhausted'],
      ],
    );
  });

  it('a job delivered again for a send left sending (its worker died mid-call): unknown, not sent', async () => {
    const openId = stand.openId(7);
    await openWindow(openId, 'message');
    const now = Date.now();
    const row = await db
      .insertInto('kefu_sends')
      .values({
        ...{ account_id: stand.account, open_id: openId, msgtype: 'text', status: 'sending', attempts: 1 },
        ...{ message: JSON.stringify({ msgtype: 'text', text: { content: 'x' } }), created_at: now, updated_at: now },
      })
      .executeTakeFirstOrThrow();
    const id = Number(row.insertId);
    await business.kefuService.publish(id);
    const view = await settled(id);
    assert.equal(view.status, 'unknown');
    assert.match(view.errmsg ?? '', /may have reached WeChat and is not sent again/);
    assert.equal(await callsFor(openId), 0);
  });

  it('a send stored but never queued (its publish failed) is queued again by the sweeper and sent once', async () => {
    const openId = stand.openId(7);
    const old = Date.now() - 10_000;
    const row = await db
      .insertInto('kefu_sends')
      .values({
        ...{ account_id: stand.account, open_id: openId, msgtype: 'text', status: 'queued' },
        ...{
          message: JSON.stringify({ msgtype: 'text', text: { content: 'swept' } }),
          created_at: old,
          updated_at: old,
        },
      })
      .executeTakeFirstOrThrow();
    const view = await settled(Number(row.insertId));
    assert.equal(view.status, 'sent');
    assert.deepEqual(
      (await inbox(openId)).map((m) => m.body.text?.content),
      ['swept'],
    );
  });

  it('lists the sends of a follower with their status', async () => {
    const { sends } = await api<{ sends: KefuView[] }>(
      base,
      'GET',
      `/kefu-sends?account=${stand.account}&openId=${stand.openId(2)}`,
    );
    assert.deepEqual(
      sends.map((s) => s.status),
      ['failed', 'sent', 'sent', 'sent'],
    );
  });
  it('the api host refusing connections (the send certainly did not reach it): failed over to api2, sent once', async () => {
    const openId = stand.openId(9);
    await openWindow(openId, 'message');
    // The stand's host cool-down is a second: once it is over, api is asked first.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await stand.simulator.state.faults.setHostDown('api', 'refuse');
    try {
      const view = await settled((await send(openId, 'via api2')).id);
      assert.deepEqual([view.status, view.attempts], ['sent', 1], JSON.stringify(view));
    } finally {
      await stand.simulator.state.faults.setHostDown('api', undefined);
    }
    assert.equal((await inbox(openId)).length, 1);
    assert.equal(await callsFor(openId), 1);
  });

  it('a 5xx from the api host (a gateway: the send may have gone through): unknown, not sent to api2, not retried', async () => {
    const openId = stand.openId(10);
    await openWindow(openId, 'message');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await stand.control('POST', '/_sim/faults', { api: kefuApi, host: 'api', status: 502, times: 1 });
    const view = await settled((await send(openId, 'in doubt')).id);
    assert.deepEqual([view.status, view.attempts], ['unknown', 1], JSON.stringify(view));
    assert.match(view.errmsg ?? '', /HTTP 502 — the request may have reached WeChat, not sent again/);
    assert.equal(await callsFor(openId), 1, 'api2 never asked');
    assert.deepEqual(await inbox(openId), [], 'this 502 came before WeChat took it — the client cannot know');
  });

  it('a 502 after WeChat took the send: unknown, delivered once, never sent again', async () => {
    const openId = stand.openId(11);
    await openWindow(openId, 'message');
    await stand.control('POST', '/_sim/faults', { api: kefuApi, status: 502, phase: 'after', times: 1 });
    const view = await settled((await send(openId, 'taken')).id);
    assert.deepEqual([view.status, view.attempts], ['unknown', 1], JSON.stringify(view));
    assert.equal((await inbox(openId)).length, 1, 'delivered once');
    assert.equal(await callsFor(openId), 1, 'not repeated on api2');
  });

  it("−1 on every call (the client's retries used): failed −1, its window message given back", async () => {
    const openId = stand.openId(12);
    await openWindow(openId, 'event'); // 3 sends
    await stand.control('POST', '/_sim/faults', { api: kefuApi, errcode: -1, times: 4 });
    const view = await settled((await send(openId, 'busy')).id);
    assert.deepEqual([view.status, view.errcode], ['failed', -1], JSON.stringify(view));
    assert.equal(await callsFor(openId), 4, 'the client called maxAttempts times');
    const after = [];
    for (const content of ['1', '2', '3', '4']) after.push(await settled((await send(openId, content)).id));
    assert.deepEqual(
      after.map((v) => [v.status, v.reason]),
      [
        ['sent', null],
        ['sent', null],
        ['sent', null],
        ['failed', 'window_exhausted'],
      ],
      'the whole budget of 3 left',
    );
  });

  it('a connection lost after the request went out keeps its window message (it may have been delivered)', async () => {
    const openId = stand.openId(13);
    await openWindow(openId, 'event'); // 3 sends
    await stand.control('POST', '/_sim/faults', { api: kefuApi, drop: true, times: 1 });
    assert.equal((await settled((await send(openId, 'lost')).id)).status, 'unknown');
    const after = [];
    for (const content of ['1', '2', '3']) after.push(await settled((await send(openId, content)).id));
    assert.deepEqual(
      after.map((v) => [v.status, v.reason]),
      [
        ['sent', null],
        ['sent', null],
        ['failed', 'window_exhausted'],
      ],
    );
  });
});
