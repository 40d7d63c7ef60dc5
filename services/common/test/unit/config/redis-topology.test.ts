import assert from 'node:assert/strict';
import { z } from 'zod';
import { commonEnvSchema } from '../../../src/config/common-env.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { checkRedisTopology, describeRedisTopology, redisTopologyOf } from '../../../src/config/redis-topology.js';

const schema = commonEnvSchema.superRefine(checkRedisTopology);

function problems(env: Record<string, string>): string {
  try {
    loadConfig(schema, env);
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail('accepted');
}

describe('config/redis topology', () => {
  it('one node by URL, Sentinel, Cluster, or none (the in-process adapter)', () => {
    assert.deepEqual(redisTopologyOf(loadConfig(schema, { MPSTACK_REDIS_URL: 'redis://r:6379/2' })), {
      kind: 'single',
      url: 'redis://r:6379/2',
    });
    const sentinel = loadConfig(schema, {
      MPSTACK_REDIS_SENTINELS: 's1:26379, [::1]:26380',
      MPSTACK_REDIS_SENTINEL_NAME: 'mymaster',
      MPSTACK_REDIS_PASSWORD: 'p',
      MPSTACK_REDIS_SENTINEL_PASSWORD: 'sp',
    });
    assert.deepEqual(redisTopologyOf(sentinel), {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      password: 'p',
      sentinelPassword: 'sp',
    });
    const cluster = redisTopologyOf(loadConfig(schema, { MPSTACK_REDIS_CLUSTER_NODES: 'a:7000,b:7001,c:7002' }));
    assert.equal(cluster?.kind, 'cluster');
    assert.equal(describeRedisTopology(cluster), 'redis cluster a:7000,b:7001,c:7002');
    assert.equal(redisTopologyOf(loadConfig(schema, { MPSTACK_REDIS_URL: '' })), undefined);
  });

  it('lists every problem at once: two topologies, a bad node, a missing name, a misplaced password, a tagged prefix', () => {
    const message = problems({
      MPSTACK_REDIS_URL: 'redis://r:6379',
      MPSTACK_REDIS_CLUSTER_NODES: 'a:7000,b,c:99999',
      MPSTACK_REDIS_PASSWORD: 'p',
      MPSTACK_REDIS_SENTINEL_NAME: 'm',
      MPSTACK_KEY_PREFIX: '{mp}:',
    });
    for (const expected of [
      'MPSTACK_REDIS_CLUSTER_NODES: "b" is not host:port',
      'MPSTACK_REDIS_CLUSTER_NODES: "c:99999" is not host:port',
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
    }
    const relations = problems({
      MPSTACK_REDIS_URL: 'redis://r:6379',
      MPSTACK_REDIS_CLUSTER_NODES: 'a:7000',
      MPSTACK_REDIS_PASSWORD: 'p',
      MPSTACK_REDIS_SENTINEL_NAME: 'm',
      MPSTACK_KEY_PREFIX: '{mp}:',
    });
    for (const expected of [
      'MPSTACK_REDIS_CLUSTER_NODES: cannot be combined with MPSTACK_REDIS_URL',
      'MPSTACK_REDIS_SENTINEL_NAME: only meaningful with MPSTACK_REDIS_SENTINELS',
      'MPSTACK_REDIS_PASSWORD: a single node takes its password in MPSTACK_REDIS_URL',
      'MPSTACK_KEY_PREFIX: must not contain { or }',
    ]) {
      assert.ok(relations.includes(expected), `missing "${expected}" in:\n${relations}`);
    }
    assert.match(problems({ MPSTACK_REDIS_SENTINELS: 's:26379' }), /MPSTACK_REDIS_SENTINEL_NAME: required/);
  });

  it('is a plain object schema a service can extend and refine', () => {
    const extended = commonEnvSchema.extend({ X: z.string().default('x') }).superRefine(checkRedisTopology);
    assert.equal(loadConfig(extended, {}).X, 'x');
  });
});
