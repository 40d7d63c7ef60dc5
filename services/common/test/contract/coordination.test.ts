import { deleteKeys, REDIS_URL } from '@mpstack/testkit';
import { MemoryCoordination, MemoryCoordinationStore } from '../../src/adapters/memory-coordination.js';
import { RedisCoordination } from '../../src/adapters/redis-coordination.js';
import { describeCoordinationContract } from './coordination.contract.js';
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
