import { Redis } from 'ioredis';
import { MemoryCoordination, MemoryCoordinationStore } from '../../src/adapters/memory-coordination.js';
import { RedisCoordination } from '../../src/adapters/redis-coordination.js';
import { describeCoordinationContract } from './coordination.contract.js';
import { uniqueSuffix } from './support.js';

const REDIS_URL = process.env['MPSTACK_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describeCoordinationContract('memory', async () => {
  let now = Date.now();
  const store = new MemoryCoordinationStore(() => now);
  return {
    replica: () => new MemoryCoordination({ store }),
    elapse: (ms) => {
      now += ms;
    },
    cleanup: async () => undefined,
  };
});

describeCoordinationContract('redis', async () => {
  const keyPrefix = `t:${uniqueSuffix()}:`;
  return {
    replica: () => new RedisCoordination({ url: REDIS_URL, keyPrefix }),
    elapse: () => undefined,
    cleanup: async () => {
      const admin = new Redis(REDIS_URL);
      try {
        for await (const keys of admin.scanStream({ match: `${keyPrefix}*`, count: 500 })) {
          if ((keys as string[]).length > 0) await admin.del(...(keys as string[]));
        }
      } finally {
        admin.disconnect();
      }
    },
  };
});
