import assert from 'node:assert/strict';
import { inboundQueueName, inboundQueues, partitionOf } from '../../../src/contracts/inbound.js';

describe('contracts/partitionOf', () => {
  it('puts a user in the same partition every time (ordering per user)', () => {
    for (const openId of ['oUser1', 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', '😀𠮷']) {
      const first = partitionOf(openId, 8);
      for (let i = 0; i < 5; i++) assert.equal(partitionOf(openId, 8), first);
    }
    // Pinned values: the mapping must not change across processes or releases, or a user's
    // queued messages would be split over two partitions and consumed out of order.
    assert.deepEqual(
      ['o6_bmjrPTlm6_2sgVt7hMZOPfL2M', 'oUser1', 'oUser2', 'oUser3'].map((id) => partitionOf(id, 8)),
      [4, 5, 1, 7],
    );
    assert.deepEqual(
      ['o6_bmjrPTlm6_2sgVt7hMZOPfL2M', 'oUser1', 'oUser2', 'oUser3'].map((id) => partitionOf(id, 64)),
      [60, 61, 57, 7],
    );
  });

  it('spreads users evenly over the partitions', () => {
    const partitions = 8;
    const counts = new Array<number>(partitions).fill(0);
    const users = 16_000;
    for (let i = 0; i < users; i++) {
      const p = partitionOf(`oUser${i}`, partitions);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    const expected = users / partitions;
    for (const count of counts) assert.ok(Math.abs(count - expected) < expected * 0.1, `counts ${counts}`);
  });

  it('stays within range, and uses partition 0 when there is one partition', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionOf(`u${i}`, 5);
      assert.ok(Number.isInteger(p) && p >= 0 && p < 5);
    }
    assert.equal(partitionOf('anyone', 1), 0);
  });

  it('declares one queue per partition, each with the inbound dead-letter queue', () => {
    assert.deepEqual(
      inboundQueues(3).map((q) => q.name),
      [0, 1, 2].map(inboundQueueName),
    );
    assert.ok(inboundQueues(3).every((q) => q.deadLetterQueue === 'mpstack.inbound.dead'));
  });
});
