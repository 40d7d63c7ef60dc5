import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { RedisCoordination } from '../../src/adapters/redis-coordination.js';
import { keySlot } from '../../src/adapters/redis-slot.js';
import type { ClaimRequest } from '../../src/ports/coordination.js';
import { HoldingProxy } from '../contract/holding-proxy.js';
import { RedisClusterOfThree, RedisWithSentinel } from '../contract/redis-topologies.js';
import { uniqueSuffix } from '../contract/support.js';

const claim = (run: string, message: string, nonce: string): ClaimRequest => ({
  messageKey: `${run}:msg:${message}`,
  nonceKey: `${run}:nonce:${nonce}`,
  ttlSeconds: 60,
  holder: `holder-${nonce}`,
  leaseMs: 60_000,
});

describe('Redis Cluster (three masters of the test): slots and per-node claim batches', function () {
  this.timeout(60_000);
  let cluster: RedisClusterOfThree;
  let port: RedisCoordination;
  const keyPrefix = `t:${uniqueSuffix()}:`;

  before(async () => {
    cluster = await RedisClusterOfThree.start();
    port = new RedisCoordination({ url: { kind: 'cluster', nodes: cluster.nodes }, keyPrefix });
  });
  after(async () => {
    await port?.close();
    await cluster?.stop();
  });

  it('computes the slot of a key as the server does (hash tags, empty tags, UTF-8)', async () => {
    const keys = ['', 'a', 'mpstack:shop:dd:123', '{user1000}.following', 'foo{}{bar}', 'x{a}{b}', '{', '消息😀𠮷'];
    for (const key of keys) assert.equal(keySlot(key), await cluster.keySlot(key), key);
  });

  it('claims 300 messages made in one turn — spread over all three masters — each once; a replay in the batch is refused', async () => {
    const run = uniqueSuffix();
    const requests = Array.from({ length: 300 }, (_, i) => claim(run, `m${i}`, `n${i}`));
    // redis-cli --cluster create gives the three masters slots 0–5460, 5461–10922, 10923–16383.
    const masterOf = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
    const masters = new Set(requests.map((r) => masterOf(keySlot(keyPrefix + r.messageKey))));
    assert.equal(masters.size, 3, 'the batch spans every master');
    const first = await Promise.all(requests.map((r) => port.claimMessage(r)));
    assert.deepEqual(
      first.map((r) => r.status),
      requests.map(() => 'claimed'),
    );
    const again = await Promise.all([
      ...requests.map((r, i) => port.claimMessage({ ...r, nonceKey: `${run}:nonce:retry${i}`, holder: `h${i}` })),
      port.claimMessage(claim(run, 'other', 'n7')),
    ]);
    assert.deepEqual(
      again.map((r) => r.status),
      [...requests.map(() => 'duplicate'), 'nonce_replayed'],
    );
    assert.deepEqual(await port.claimMessage(claim(run, 'other', 'fresh')), { status: 'claimed', fence: 1 });
  });
});

describe('Redis Sentinel (primary, replica, sentinel of the test): a failover mid-run', function () {
  this.timeout(60_000);
  let setup: RedisWithSentinel;

  before(async () => {
    setup = await RedisWithSentinel.start();
  });
  after(async () => setup?.stop());

  it('the primary killed: the replica is promoted and claims, replies and pub/sub keep working on the same clients', async () => {
    const keyPrefix = `t:${uniqueSuffix()}:`;
    const topology = { kind: 'sentinel', sentinels: [setup.sentinel], name: RedisWithSentinel.primaryName } as const;
    const [a, b] = [
      new RedisCoordination({ url: topology, keyPrefix }),
      new RedisCoordination({ url: topology, keyPrefix }),
    ];
    try {
      const run = uniqueSuffix();
      const heard: string[] = [];
      await b.subscribe('changes', (message) => heard.push(message));
      for (let i = 0; i < 20; i++) {
        const request = claim(run, `m${i}`, `n${i}`);
        assert.equal((await a.claimMessage(request)).status, 'claimed');
        assert.equal(await a.storeReply(request.messageKey, `reply ${i}`, 60, 1), true);
      }
      await a.publish('changes', 'before');
      await until(() => heard.includes('before'), 5_000, 'the message before the failover');

      const started = Date.now();
      await setup.killPrimary();
      // The operations of the suite, retried as the ingress would (each failure is a fast 503).
      await setup.explainingFailure(
        until(
          // A failed claim is until's last error, the cause in the failure message.
          async () => (await a.claimMessage(claim(run, 'after', 'n-after'))).status === 'claimed',
          30_000,
          'a claim after the failover',
          100,
        ),
      );
      const failoverMs = Date.now() - started;
      assert.equal(await setup.primaryPortNow(), setup.replicaPort, 'the sentinel promoted the replica');
      assert.ok(failoverMs < 30_000, `failover took ${failoverMs} ms`);
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(await b.claimMessage(claim(run, `m${i}`, `retry${i}`)), {
          status: 'duplicate',
          reply: `reply ${i}`,
        });
      }
      assert.equal(await a.storeReply(claim(run, 'after', 'n-after').messageKey, 'late', 60, 1), true);
      assert.equal(await b.getReply(claim(run, 'after', 'n-after').messageKey), 'late');
      assert.equal(await a.takeToken('bucket', { ratePerSecond: 10, burst: 1 }), 0);
      await until(
        async () => {
          await a.publish('changes', 'after');
          return heard.includes('after');
        },
        10_000,
        'pub/sub after the failover',
        200,
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('Redis Sentinel: a failover announced while the client is asking the sentinel for the primary', function () {
  this.timeout(60_000);
  let setup: RedisWithSentinel;
  let proxy: HoldingProxy;

  before(async () => {
    setup = await RedisWithSentinel.start();
    proxy = await HoldingProxy.start(setup.sentinel.port);
  });
  after(async () => {
    await proxy?.close();
    await setup?.stop();
  });

  // ioredis' failover detector, told of +switch-master while the client reconnects, used to
  // end the client for good: every later command failed with "Connection is closed.".
  it('the client connects again to the promoted replica instead of staying closed', async () => {
    const keyPrefix = `t:${uniqueSuffix()}:`;
    // Every connection to the sentinel (the failover detector's, each "where is the primary?") goes through the proxy.
    const sentinels = [{ host: '127.0.0.1', port: proxy.port }];
    const client = new RedisCoordination({
      url: { kind: 'sentinel', sentinels, name: RedisWithSentinel.primaryName },
      keyPrefix,
    });
    try {
      const run = uniqueSuffix();
      assert.equal((await client.claimMessage(claim(run, 'before', 'n-before'))).status, 'claimed');
      await until(() => proxy.hasForwarded('subscribe\r\n$14\r\n+switch-master'), 5_000, 'the failover detector');
      proxy.hold();
      await setup.killPrimary();
      // The client lost its primary and now waits, unanswered, for the sentinel to name one.
      await until(() => proxy.heldCount > 0, 5_000, 'the client to ask the sentinel for the primary');
      await setup.explainingFailure(
        until(() => proxy.hasForwarded('message\r\n$14\r\n+switch-master'), 30_000, 'the +switch-master message', 50),
      );
      assert.ok(proxy.heldCount > 0, 'the client was still asking when the failover was announced');
      proxy.release();
      await setup.explainingFailure(
        until(
          async () => (await client.claimMessage(claim(run, 'after', 'n-after'))).status === 'claimed',
          15_000,
          'a claim on the promoted replica',
          100,
        ),
      );
      assert.equal(await setup.primaryPortNow(), setup.replicaPort, 'the sentinel promoted the replica');
      assert.equal((await client.claimMessage(claim(run, 'before', 'n-again'))).status, 'duplicate');
    } finally {
      await client.close();
    }
  });
});
