import assert from 'node:assert/strict';
import { createCoordination } from '@mpstack/common/adapters';
import {
  type AccountSendLimits,
  encodeAccountSendLimits,
  encodeInvalidation,
  invalidationChannels,
} from '@mpstack/common/contracts';
import { createDatabase, type Db } from '@mpstack/common/db';
import type { CoordinationPort } from '@mpstack/common/ports';
import { REDIS_URL, until } from '@mpstack/testkit';
import { api, startPush, untilPush } from '../../support/outbound-api.js';
import {
  createOutboundStand,
  type OutboundStand,
  pushTemplate,
  secondAccountId,
} from '../../support/outbound-stand.js';

type Rate = 'off' | { perSecond: number; burst: number };

/**
 * Per-account send rates on one deployment (MariaDB, Redis pub/sub and buckets, RabbitMQ, the
 * simulator): the console stores them with the account and announces the change on the
 * accounts channel; every business replica's buckets, estimates and announcements follow
 * within a second, and two accounts' pushes are paced each at its own rate.
 */
describe('outbound e2e: per-account send rates', function () {
  this.timeout(180_000);
  let stand: OutboundStand;
  let db: Db;
  let publisher: CoordinationPort;

  /** What the console's write does (`PUT /admin/api/accounts/:id/send-limits`): the row, then the announcement. */
  async function setLimits(account: string, limits: AccountSendLimits | undefined, announce = true): Promise<void> {
    await db
      .updateTable('accounts')
      .set({ send_limits: encodeAccountSendLimits(limits) })
      .where('id', '=', account)
      .execute();
    if (announce) await publisher.publish(invalidationChannels.accounts, encodeInvalidation(account));
  }
  const templateRate = async (base: string, account: string) =>
    (await api<{ rates: { template: Rate } }>(base, 'GET', `/health?account=${account}`)).rates.template;

  afterEach(async () => {
    await publisher?.close();
    await db?.destroy();
    await stand?.dispose();
  });

  async function open(options: { secondAccount?: boolean; followers: number }): Promise<void> {
    stand = await createOutboundStand(options);
    db = createDatabase({ url: stand.stack.databaseUrl });
    publisher = createCoordination({ redisUrl: REDIS_URL, keyPrefix: stand.stack.keyPrefix });
  }

  it('a rate set in the console reaches every replica within a second: its buckets, the estimate, the announcement', async () => {
    await open({ followers: 80 });
    const replicas = [await stand.business(), await stand.business()];
    for (const replica of replicas)
      assert.equal(await templateRate(replica.url, stand.account), 'off', 'the deployment’s');
    // A scheduled push, announced at the deployment's expected rate (250/s) first.
    const push = await api<{ id: number }>(replicas[0]!.url, 'POST', '/pushes', {
      account: stand.account,
      name: '预告',
      templateId: pushTemplate,
      fields: { keyword1: '{{name}}' },
    });
    const csv = ['openid,name', ...Array.from({ length: 80 }, (_, i) => `${stand.openId(i)},用户${i}`)].join('\n');
    const upload = await fetch(`${replicas[0]!.url}/api/pushes/${push.id}/recipients`, { method: 'PUT', body: csv });
    assert.equal(upload.status, 200, await upload.text());
    await api(replicas[0]!.url, 'POST', `/pushes/${push.id}/start`, { scheduledAt: Date.now() + 3_600_000 });
    const duration = async (base: string) =>
      (await api<{ pushes: { durationSeconds: number }[] }>(base, 'GET', '/scheduled-pushes')).pushes[0]
        ?.durationSeconds;
    assert.equal(await duration(replicas[0]!.url), 1, '80 recipients at 250/s');

    const changedAt = Date.now();
    await setLimits(stand.account, { rates: { template: { perSecond: 8, burst: 4 } } });
    await Promise.all(
      replicas.map((replica) =>
        until(
          async () => {
            const rate = await templateRate(replica.url, stand.account);
            return rate !== 'off' && rate.perSecond === 8 ? true : undefined;
          },
          5_000,
          'the replica uses the account’s rate',
          20,
        ),
      ),
    );
    const followedMs = Date.now() - changedAt;
    assert.ok(followedMs < 1_000, `both replicas followed in ${followedMs} ms`);
    for (const replica of replicas) {
      const estimate = await api<{ seconds: number | null; rate: Rate }>(
        replica.url,
        'GET',
        `/estimate?account=${stand.account}&recipients=80`,
      );
      assert.deepEqual(estimate.rate, { perSecond: 8, burst: 4 });
      assert.equal(estimate.seconds, 10, '(80 − a burst of 4) at 8/s');
      assert.equal(await duration(replica.url), 10, 'the announcement at the account’s rate');
    }
    // Back to the deployment's.
    await setLimits(stand.account, undefined);
    for (const replica of replicas) {
      await until(
        async () => ((await templateRate(replica.url, stand.account)) === 'off' ? true : undefined),
        5_000,
        'default again',
        20,
      );
    }
  });

  it('two accounts on one deployment are paced each at its own rate', async () => {
    await open({ followers: 120, secondAccount: true });
    const rates = { [stand.account]: 3, [secondAccountId]: 10 } as const;
    await setLimits(stand.account, { rates: { template: { perSecond: rates[stand.account]!, burst: 1 } } }, false);
    await setLimits(secondAccountId, { rates: { template: { perSecond: rates[secondAccountId]!, burst: 1 } } }, false);
    const business = await stand.business();
    const sizes = { [stand.account]: 18, [secondAccountId]: 60 };
    const pushes = await Promise.all(
      Object.entries(sizes).map(async ([account, size]) => ({
        account,
        id: await startPush(
          business.url,
          account,
          Array.from({ length: size }, (_, i) => stand.openId(i)),
        ),
      })),
    );
    for (const push of pushes) {
      await untilPush(
        () => business.url,
        push.id,
        (p) => p.state === 'completed',
        60_000,
        `${push.account} completed`,
        200,
      );
    }
    const measuredRates = new Map<string, number>();
    for (const [account, size] of Object.entries(sizes)) {
      const { sends } = (await stand.control('GET', `/_sim/accounts/${account}/template-sends`)) as {
        sends: { at: number }[];
      };
      assert.equal(sends.length, size, `${account}: every recipient sent once`);
      const times = sends.map((send) => send.at).sort((a, b) => a - b);
      // A burst of one: the first at once, then one every 1/rate s — (n − 1) intervals.
      const measured = (times.length - 1) / (((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000);
      const rate = rates[account]!;
      assert.ok(measured <= rate * 1.08, `${account}: ${measured.toFixed(2)}/s, limited to its ${rate}/s`);
      measuredRates.set(account, measured);
    }
    // The slow account is paced at its rate, not slower; the fast one well past the slow one's
    // rate — held by neither the other's bucket nor a bucket they share (on a loaded machine the
    // pipeline, not the bucket, may keep it under its own 10/s).
    const slow = measuredRates.get(stand.account) ?? 0;
    const fast = measuredRates.get(secondAccountId) ?? 0;
    assert.ok(slow >= rates[stand.account]! * 0.75, `${stand.account}: ${slow.toFixed(2)}/s`);
    assert.ok(fast >= rates[stand.account]! * 1.3, `${secondAccountId}: ${fast.toFixed(2)}/s, not held to 3/s`);
  });
});
