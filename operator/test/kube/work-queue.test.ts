import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { silentLogger } from '../../src/kube/logger.js';
import { realTimers, type Timers } from '../../src/kube/timers.js';
import { WorkQueue } from '../../src/kube/work-queue.js';

describe('WorkQueue', () => {
  it('runs one reconcile per key at a time and coalesces adds made meanwhile into one more run', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const queue = new WorkQueue({
      logger: silentLogger,
      process: async () => {
        running += 1;
        runs += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running -= 1;
        return undefined;
      },
    });
    queue.add('ns/a');
    await until(() => runs === 1);
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    release();
    await until(() => runs === 2);
    release();
    await until(() => queue.size === 0);
    assert.equal(runs, 2);
    assert.equal(maxRunning, 1);
    await queue.close();
  });

  it('retries a failing key after capped exponential delays, waiting each one out, and starts over after a success', async () => {
    const attemptsAt: number[] = [];
    const delays: number[] = [];
    let failuresLeft = 4;
    const timers: Timers = {
      ...realTimers,
      setTimeout: (callback, delayMs) => {
        delays.push(delayMs);
        return realTimers.setTimeout(callback, delayMs);
      },
    };
    const queue = new WorkQueue({
      logger: silentLogger,
      backoff: { initialMs: 20, maxMs: 60, jitter: 0 },
      timers,
      process: async () => {
        attemptsAt.push(performance.now());
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('boom');
        }
        return undefined;
      },
    });
    queue.add('k');
    await until(() => attemptsAt.length === 5 && queue.size === 0, 5_000, 'the fifth attempt');
    assert.deepEqual(delays, [20, 40, 60, 60], 'initial × 2^attempt, capped at maxMs');
    attemptsAt.slice(1).forEach((at, index) => {
      const gap = at - (attemptsAt[index] ?? 0);
      assert.ok(gap >= (delays[index] ?? 0) - 1, `retry ${index + 1} waited ${gap.toFixed(1)} ms of ${delays[index]}`);
    });
    failuresLeft = 1;
    queue.add('k');
    await until(() => attemptsAt.length === 7 && queue.size === 0, 5_000, 'the retry after a new failure');
    assert.deepEqual(delays.slice(4), [20], 'a success resets the backoff');
    await queue.close();
  });

  it('requeues after the delay a reconcile asks for, and close() cancels it', async () => {
    let runs = 0;
    const queue = new WorkQueue({
      logger: silentLogger,
      process: async () => {
        runs += 1;
        return { requeueAfterMs: 10 };
      },
    });
    queue.add('k');
    await until(() => runs >= 3);
    await queue.close();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(runs, after);
  });
});
