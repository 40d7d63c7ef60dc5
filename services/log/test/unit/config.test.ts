import assert from 'node:assert/strict';
import { loadLogConfig } from '../../src/config.js';

describe('log service configuration', () => {
  it('reads the Redis topology every service reads (Sentinel here), not only MPSTACK_REDIS_URL', () => {
    const config = loadLogConfig({
      MPSTACK_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379',
      MPSTACK_REDIS_SENTINEL_NAME: 'mpstack',
    });
    assert.equal(config.redis?.kind, 'sentinel');
  });

  it('refuses a contradictory Redis topology, as the other services do', () => {
    assert.throws(
      () => loadLogConfig({ MPSTACK_REDIS_URL: 'redis://r:6379', MPSTACK_REDIS_CLUSTER_NODES: 'a:7000' }),
      /MPSTACK_REDIS/,
    );
  });
});
