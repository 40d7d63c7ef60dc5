import assert from 'node:assert/strict';
import type { RunningBusiness } from '@mpstack/business';
import { Redis } from 'ioredis';
import { RabbitMqNode, RedisServer } from '../../support/fault/index.js';
import { pushThroughFault, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand, followerId, type OutboundStand } from '../../support/outbound-stand.js';

/**
 * Issue 11's "RabbitMQ restarted during a push" and "Redis lost during a push", on servers
 * of the test's own (never the machine's shared ones): the ingress and the business service
 * of the stand both use them. Each push must reach every recipient exactly once at the
 * simulator, with the recorded sends equal to what the simulator saw, and every receipt joined.
 */
describe('outbound e2e: the broker and Redis lost during a push', function () {
  this.timeout(240_000);
  const n = 600;
  let stand: OutboundStand | undefined;
  let business: RunningBusiness;
  const base = () => business.url;
  // A rate limit keeps the push running across the fault; a short stall period lets the
  // sweeper re-publish tickets a crashed broker may have lost.
  const env = { MPSTACK_WECHAT_RATE_TEMPLATE: '150:30', MPSTACK_PUSH_STALL_MS: '3000' };

  afterEach(async () => {
    await stand?.dispose();
    stand = undefined;
  });

  async function untilReceipts(id: number): Promise<void> {
    const push = await untilPush(base, id, (p) => p.counts['receipt:success'] === n, 60_000, 'every receipt joined');
    assert.equal(push.counts['receipt:success'], n);
  }

  describe('RabbitMQ', () => {
    let node: RabbitMqNode;
    before(async () => {
      node = await RabbitMqNode.start();
    });
    after(async () => {
      await node?.stop();
    });

    it('killed (kill -9) and restarted mid-push: tickets come back, every recipient exactly once', async () => {
      stand = await createOutboundStand({ followers: n, amqpUrl: node.url });
      business = await stand.business(env);
      const openIds = Array.from({ length: n }, (_, i) => followerId(i));
      const done = await pushThroughFault(stand, openIds, {
        atSent: n / 4,
        base,
        fault: async () => {
          await node.kill();
          // Sends in flight finish and are recorded without the broker; the next ticket waits for it.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await node.restart();
        },
      });
      await untilReceipts(done.id);
    });
  });

  describe('Redis', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await RedisServer.start({ persistence: 'none' });
    });
    after(async () => {
      await redis?.stop();
    });

    it('killed and restarted empty mid-push (token, buckets, quotas gone): every recipient exactly once', async () => {
      stand = await createOutboundStand({ followers: n, redisUrl: redis.url });
      business = await stand.business(env);
      const openIds = Array.from({ length: n }, (_, i) => followerId(i));
      const probe = () => {
        const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
        client.on('error', () => undefined);
        return client;
      };
      const done = await pushThroughFault(stand, openIds, {
        atSent: n / 4,
        base,
        fault: async () => {
          const before = probe();
          try {
            assert.ok((await before.dbsize()) > 0, 'the business service keeps its token and buckets in this Redis');
            await before.set('marker:before-the-crash', '1');
          } finally {
            before.disconnect();
          }
          await redis.kill();
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await redis.restart();
          const after = probe();
          try {
            assert.equal(await after.exists('marker:before-the-crash'), 0, 'restarted empty');
          } finally {
            after.disconnect();
          }
        },
      });
      await untilReceipts(done.id);
    });
  });
});
