import assert from 'node:assert/strict';
import { IdempotencyMap } from '../../src/shared/idempotency-map.js';

const windowMs = 600_000;

describe('IdempotencyMap (client_msg_id windows)', () => {
  it('finds a key within its window, not from the instant the window passed', () => {
    const map = new IdempotencyMap<number>();
    map.remember('a', 1, 1_000, windowMs);
    assert.deepEqual(map.find('a', 1_000 + windowMs - 1, windowMs), { value: 1, ageMs: windowMs - 1 });
    assert.equal(map.find('a', 1_000 + windowMs, windowMs), undefined);
    assert.equal(map.find('b', 1_000, windowMs), undefined);
  });

  it('forgets the keys whose window passed as later ones are remembered, and only those', () => {
    const map = new IdempotencyMap<number>();
    for (let i = 0; i < 1_000; i++) map.remember(`k${i}`, i, i * 1_000, windowMs);
    assert.equal(map.size, 600, 'the keys of the last 10 minutes');
    assert.equal(map.find('k399', 999_000, windowMs), undefined);
    assert.deepEqual(map.find('k400', 999_000, windowMs), { value: 400, ageMs: 599_000 });
    assert.deepEqual(map.find('k999', 999_000, windowMs), { value: 999, ageMs: 0 });
    map.remember('later', -1, 5_000_000, windowMs);
    assert.equal(map.size, 1);
  });

  it('a key remembered again moves to the newest end: its earlier slot is skipped, not forgotten with it', () => {
    const map = new IdempotencyMap<number>();
    map.remember('a', 1, 0, windowMs);
    map.remember('b', 2, 100_000, windowMs);
    map.remember('a', 3, 200_000, windowMs);
    map.remember('c', 4, 650_000, windowMs);
    assert.equal(map.size, 3, "a's first slot passed over, b still within its window");
    assert.deepEqual(map.find('a', 650_000, windowMs), { value: 3, ageMs: 450_000 });
    map.remember('d', 5, 720_000, windowMs);
    assert.equal(map.find('b', 720_000, windowMs), undefined);
    assert.equal(map.size, 3, 'b forgotten; a, c and d kept');
    assert.deepEqual(map.find('a', 799_999, windowMs), { value: 3, ageMs: 599_999 });
  });

  it('keeps every key and its latest value through growth, gaps included', () => {
    const map = new IdempotencyMap<{ readonly n: number }>();
    const expected = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      map.remember(`k${i}`, { n: i }, i, windowMs);
      expected.set(`k${i}`, i);
      if (i % 3 === 0) {
        map.remember(`k${i / 3}`, { n: -i }, i, windowMs);
        expected.set(`k${i / 3}`, -i);
      }
    }
    assert.equal(map.size, 500);
    for (const [key, n] of expected) assert.equal(map.find(key, 500, windowMs)?.value.n, n, key);
    map.clear();
    assert.equal(map.size, 0);
    assert.equal(map.find('k1', 500, windowMs), undefined);
  });
});
