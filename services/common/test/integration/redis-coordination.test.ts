import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { RedisCoordination } from '../../src/adapters/redis-coordination.js';
import { uniqueSuffix } from '../contract/support.js';

const REDIS_URL = process.env['MPSTACK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisCoordination against Redis', () => {
  it('over a caller-owned client, prefixes keys and leaves that client open on close', async () => {
    const prefix = `t:${uniqueSuffix()}:`;
    const client = new Redis(REDIS_URL);
    try {
      const coordination = new RedisCoordination({ client, keyPrefix: prefix });
      await coordination.claimMessage({ messageKey: 'm', nonceKey: 'n', ttlSeconds: 60, holder: 'h', leaseMs: 3_000 });
      const received: string[] = [];
      await coordination.subscribe('c', (m) => received.push(m));
      await client.publish(`${prefix}c`, 'hello');
      await until(() => received.length === 1, 5_000, 'prefixed channel delivery');
      await coordination.close();
      assert.equal(await client.exists(`${prefix}m`, `${prefix}n`), 2);
      assert.equal(client.status, 'ready');
      await client.del(`${prefix}m`, `${prefix}n`);
    } finally {
      client.disconnect();
    }
  });

  it('fails fast when Redis is unreachable: commands reject as unavailable (503), ping answers false', async () => {
    const coordination = new RedisCoordination({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
    try {
      const started = Date.now();
      await assert.rejects(
        coordination.claimMessage({ messageKey: 'm', nonceKey: 'n', ttlSeconds: 60, holder: 'h', leaseMs: 3_000 }),
        {
          code: 'unavailable',
          message: /^Redis did not answer/,
        },
      );
      assert.ok(Date.now() - started < 2_000, `rejected after ${Date.now() - started} ms`);
      await assert.rejects(coordination.getReply('m'), { code: 'unavailable' });
      await assert.rejects(coordination.storeReply('m', 'r', 60, 1), { code: 'unavailable' });
      assert.equal(await coordination.ping(), false);
    } finally {
      await coordination.close();
    }
  });

  it('a pending marker left by an earlier release is an expired lease: the next delivery takes it over', async () => {
    const prefix = `t:${uniqueSuffix()}:`;
    const client = new Redis(REDIS_URL);
    const coordination = new RedisCoordination({ client, keyPrefix: prefix });
    try {
      await client.set(`${prefix}m`, '\u0000mpstack:pending', 'EX', 60);
      const claim = { messageKey: 'm', nonceKey: 'n', ttlSeconds: 60, holder: 'h', leaseMs: 3_000 };
      assert.deepEqual(await coordination.claimMessage(claim), { status: 'claimed', fence: 1 });
      assert.equal(await coordination.getReply('m'), undefined, 'a lease is not a reply');
      assert.equal(await coordination.storeReply('m', 'ok', 60, 1), true);
      assert.equal(await coordination.getReply('m'), 'ok');
    } finally {
      await coordination.close();
      await client.del(`${prefix}m`, `${prefix}n`);
      client.disconnect();
    }
  });
});
