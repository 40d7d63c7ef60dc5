import assert from 'node:assert/strict';
import { DEFAULT_SERVICE_WINDOW_RULES, ServiceWindowRecorder, serviceWindowKey } from '../../../src/contracts/index.js';
import type { ServiceWindowChange } from '../../../src/ports/index.js';

/** A store that keeps every batch it is given; `hold()` makes the next calls wait until released. */
class RecordingStore {
  readonly batches: ServiceWindowChange[][] = [];
  #held: Array<() => void> | undefined;
  failNext = false;

  async recordServiceWindows(changes: readonly ServiceWindowChange[]): Promise<void> {
    this.batches.push([...changes]);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('Redis did not answer');
    }
    if (this.#held !== undefined) {
      const held = this.#held;
      await new Promise<void>((resolve) => held.push(resolve));
    }
  }

  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const resolve of held) resolve();
  }

  get changes(): ServiceWindowChange[] {
    return this.batches.flat();
  }
}

const appId = 'wx0000000000000001';
const key = (openId: string) => serviceWindowKey(appId, openId);
const { message, event } = DEFAULT_SERVICE_WINDOW_RULES;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('contracts/ServiceWindowRecorder (the ingress’s coalesced, batched window writes)', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('writes nothing at once, then every follower of the interval in one call after flushMs', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 40, clock });
    for (let i = 0; i < 100; i++) recorder.record(appId, `o${i}`, 'message');
    assert.equal(store.batches.length, 0, 'record() only notes the interaction');
    await sleep(150);
    assert.equal(store.batches.length, 1, 'one call for the interval');
    assert.equal(store.batches[0]?.length, 100);
    assert.deepEqual(store.batches[0]?.[7], {
      key: key('o7'),
      change: 'open',
      kind: 'message',
      windowMs: message.windowMs,
      budget: message.budget,
    });
    assert.deepEqual(recorder.stats(), { recorded: 100, written: 100, dropped: 0, failed: 0, pending: 0 });
    await recorder.close();
  });

  it("coalesces a follower's interactions in their order: a later open replaces one, an unfollow drops the opens before it", async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 10_000, clock });
    recorder.record(appId, 'chatty', 'message');
    recorder.record(appId, 'chatty', 'message');
    recorder.record(appId, 'chatty', 'event');
    recorder.record(appId, 'left', 'message');
    recorder.record(appId, 'left', 'closed');
    recorder.record(appId, 'back', 'event');
    recorder.record(appId, 'back', 'closed');
    recorder.record(appId, 'back', 'message');
    await recorder.flush();
    assert.deepEqual(
      store.changes.map((c) => [c.key, c.change, c.change === 'open' ? c.kind : '']),
      [
        [key('chatty'), 'open', 'message'],
        [key('chatty'), 'open', 'event'],
        [key('left'), 'closed', ''],
        [key('back'), 'closed', ''],
        [key('back'), 'open', 'message'],
      ],
    );
    assert.equal(recorder.stats().recorded, 8);
    assert.equal(recorder.stats().written, 5);
    await recorder.close();
  });

  it('writes the time left since the interaction, so waiting does not lengthen a window, and skips a window already over', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 10_000, clock });
    recorder.record(appId, 'early', 'message');
    recorder.record(appId, 'clicked', 'event');
    now += 700;
    recorder.record(appId, 'late', 'message');
    now += 300;
    await recorder.flush();
    const left = new Map(store.changes.map((c) => [c.key, c.change === 'open' ? c.windowMs : -1]));
    assert.equal(left.get(key('early')), message.windowMs - 1000);
    assert.equal(left.get(key('clicked')), event.windowMs - 1000);
    assert.equal(left.get(key('late')), message.windowMs - 300);
    recorder.record(appId, 'stale', 'event');
    now += event.windowMs;
    await recorder.flush();
    assert.equal(store.changes.filter((c) => c.key === key('stale')).length, 0, 'its minute was over');
    await recorder.close();
  });

  it('splits a large flush into calls of maxBatch followers, keeping each follower’s changes in one call', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 10_000, maxBatch: 3, clock });
    for (let i = 0; i < 7; i++) {
      recorder.record(appId, `o${i}`, 'closed');
      recorder.record(appId, `o${i}`, 'message');
    }
    await recorder.flush();
    assert.deepEqual(
      store.batches.map((b) => b.length),
      [6, 6, 2],
    );
    for (const batch of store.batches) {
      for (const [i, change] of batch.entries()) {
        if (change.change === 'closed') assert.deepEqual(batch[i + 1]?.key, change.key);
      }
    }
    await recorder.close();
  });

  it('keeps one flush in flight: what arrives meanwhile is written after it, so an unfollow lands after the open it follows', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 5, clock });
    store.hold();
    recorder.record(appId, 'o1', 'message');
    await sleep(40);
    assert.equal(store.batches.length, 1, 'the first flush is in flight');
    recorder.record(appId, 'o1', 'closed');
    await sleep(40);
    assert.equal(store.batches.length, 1, 'the unfollow waits for the open to be taken');
    store.release();
    await recorder.flush();
    assert.deepEqual(
      store.batches.map((b) => b.map((c) => c.change)),
      [['open'], ['closed']],
    );
    await recorder.close();
  });

  it('bounds its memory while the store stalls: past maxPending followers, new ones are dropped and counted', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 10_000, maxPending: 100, clock });
    store.hold();
    for (let i = 0; i < 100; i++) recorder.record(appId, `a${i}`, 'message');
    assert.equal(recorder.stats().pending, 100);
    recorder.record(appId, 'a100', 'message');
    assert.equal(store.batches.length, 1, 'a full map is flushed at once');
    assert.equal(recorder.stats().pending, 1);
    for (let i = 0; i < 150; i++) recorder.record(appId, `b${i}`, 'message');
    recorder.record(appId, 'b0', 'event');
    const stalled = recorder.stats();
    assert.equal(stalled.pending, 100, 'never more than maxPending waiting');
    assert.equal(stalled.dropped, 51, 'followers beyond it while the flush is in flight');
    assert.equal(stalled.recorded, 101 + 99 + 1, 'a waiting follower is still updated');
    store.release();
    await recorder.flush();
    assert.equal(recorder.stats().pending, 0);
    assert.equal(recorder.stats().written, 100 + 101, 'b0 opened both windows');
    await recorder.close();
  });

  it('reports a batch the store refused, and goes on with the next ones', async () => {
    const store = new RecordingStore();
    const failures: Array<[string, number]> = [];
    const recorder = new ServiceWindowRecorder({
      coordination: store,
      flushMs: 10_000,
      clock,
      onError: (error, followers) => failures.push([(error as Error).message, followers]),
    });
    store.failNext = true;
    recorder.record(appId, 'o1', 'closed');
    recorder.record(appId, 'o1', 'message');
    recorder.record(appId, 'o2', 'message');
    await recorder.flush();
    assert.deepEqual(failures, [['Redis did not answer', 2]]);
    assert.equal(recorder.stats().failed, 3);
    recorder.record(appId, 'o3', 'message');
    await recorder.flush();
    assert.equal(recorder.stats().written, 1);
    await recorder.close();
  });

  it('close() writes what waits before it resolves; interactions after it are dropped', async () => {
    const store = new RecordingStore();
    const recorder = new ServiceWindowRecorder({ coordination: store, flushMs: 60_000, clock });
    recorder.record(appId, 'o1', 'message');
    recorder.record(appId, 'o2', 'event');
    await recorder.close();
    assert.deepEqual(
      store.changes.map((c) => c.key),
      [key('o1'), key('o2')],
    );
    recorder.record(appId, 'o3', 'message');
    assert.deepEqual(recorder.stats(), { recorded: 2, written: 2, dropped: 1, failed: 0, pending: 0 });
  });
});
