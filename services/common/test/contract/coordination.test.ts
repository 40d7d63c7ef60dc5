import { deleteKeys, REDIS_URL } from '@mpstack/testkit';
import { MemoryCoordination, MemoryCoordinationStore } from '../../src/adapters/memory-coordination.js';
import { RedisCoordination } from '../../src/adapters/redis-coordination.js';
import { describeCoordinationContract } from './coordination.contract.js';
import { RedisClusterOfThree, RedisWithSentinel } from './redis-topologies.js';
import { uniqueSuffix } from './support.js';

describeCoordinationContract('memory', async () => {
  let now = Date.now();
  const store = new MemoryCoordinationStore(() => now);
  return {
    replica: () => new MemoryCoordination({ store }),
    elapse: async (ms) => {
      now += ms;
    },
    cleanup: async () => undefined,
  };
});

describeCoordinationContract('redis', async () => {
  const keyPrefix = `t:${uniqueSuffix()}:`;
  return {
    replica: () => new RedisCoordination({ url: REDIS_URL, keyPrefix }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    cleanup: () => deleteKeys(keyPrefix),
  };
});

describeCoordinationContract('redis cluster (three masters of the test)', async () => {
  const keyPrefix = `t:${uniqueSuffix()}:`;
  const cluster = await RedisClusterOfThree.start();
  return {
    replica: () => new RedisCoordination({ url: { kind: 'cluster', nodes: cluster.nodes }, keyPrefix }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    cleanup: () => cluster.stop(),
  };
});

describeCoordinationContract('redis sentinel (primary, replica, sentinel of the test)', async () => {
  const keyPrefix = `t:${uniqueSuffix()}:`;
  const setup = await RedisWithSentinel.start();
  return {
    replica: () =>
      new RedisCoordination({
        url: { kind: 'sentinel', sentinels: [setup.sentinel], name: RedisWithSentinel.primaryName },
        keyPrefix,
      }),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    cleanup: () => setup.stop(),
  };
});
