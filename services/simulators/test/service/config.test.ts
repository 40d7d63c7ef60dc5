import assert from 'node:assert/strict';
import { loadSimulatorsConfig } from '../../src/service.js';

describe('simulators configuration', () => {
  it('reads how many delivery receipts are pushed at once (32 unless MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY says)', () => {
    assert.equal(loadSimulatorsConfig({}).deliveryConcurrency, 32);
    assert.equal(loadSimulatorsConfig({ MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY: '128' }).deliveryConcurrency, 128);
  });

  it('refuses a delivery concurrency that is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-4', 'many', '1.5']) {
      assert.throws(
        () => loadSimulatorsConfig({ MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY: bad }),
        /MPSTACK_SIMULATORS_DELIVERY_CONCURRENCY/,
        bad,
      );
    }
  });
});
