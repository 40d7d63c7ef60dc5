import assert from 'node:assert/strict';
import type { MessageLogEvent } from '@mpstack/common/contracts';
import {
  eventIdOf,
  followerSource,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  outcomeClass,
  typeLabel,
} from '../../src/index.js';

const base: MessageLogEvent = {
  type: 'message',
  at: 1_700_000_000_000,
  account: 'acme',
  openId: 'o1',
  msgType: 'event',
  event: 'subscribe',
  msgId: undefined,
  outcome: 'replied',
  decidedBy: undefined,
  latencyMs: 1,
};

describe('log store: how an event is rolled up', () => {
  it('classes the ingress outcomes as fast, queued or failed', () => {
    assert.equal(outcomeClass('replied'), 'fast');
    assert.equal(outcomeClass('duplicate'), 'fast');
    assert.equal(outcomeClass('accepted_published'), 'queued');
    assert.equal(outcomeClass('replied_spooled'), 'queued');
    assert.equal(outcomeClass('replied_published_fenced'), 'failed');
    assert.equal(outcomeClass('held_forward_failed'), 'failed');
  });

  it('puts a latency in the first bucket whose bound holds it, beyond the last in the open bucket', () => {
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(1), 0);
    assert.equal(latencyBucket(1.01), 1);
    assert.equal(latencyBucket(5000), LATENCY_BUCKETS_MS.length - 1);
    assert.equal(latencyBucket(5001), LATENCY_BUCKETS_MS.length);
  });

  it('names a follower source by QR scene, else other', () => {
    assert.equal(followerSource({ ...base, eventKey: 'qrscene_store42' }), 'qr:store42');
    assert.equal(followerSource(base), 'other');
    assert.equal(typeLabel(base), 'event:subscribe');
    assert.equal(typeLabel({ ...base, msgType: 'text', event: undefined }), 'text');
  });

  it("keeps the producer's id, else derives the same id from the same event every time", () => {
    assert.equal(eventIdOf({ ...base, id: 'given' }), 'given');
    assert.equal(eventIdOf(base), eventIdOf({ ...base }));
    assert.notEqual(eventIdOf(base), eventIdOf({ ...base, at: base.at + 1 }));
    assert.ok(eventIdOf(base).length <= 64);
  });
});
