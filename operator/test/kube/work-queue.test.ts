import assert from 'node:assert/strict';
import { silentLogger } from '../../src/kube/logger.js';
import { WorkQueue } from '../../src/kube/work-queue.js';
import { eventually } from '../support/operator-harness.js';

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
    await eventually(() => runs === 1);
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    release();
    await eventually(() => runs === 2);
    release();
    await eventually(() => queue.size === 0);
    assert.equal(runs, 2);
    assert.equal(maxRunning, 1);
    await queue.close();
  });

  it('retries a failing key with backoff until it succeeds', async () => {
    let attempts = 0;
    const queue = new WorkQueue({
      logger: silentLogger,
      backoff: { initialMs: 5, maxMs: 20, jitter: 0 },
      process: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('boom');
        return undefined;
      },
    });
    queue.add('k');
    await eventually(() => attempts === 3 && queue.size === 0);
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
    await eventually(() => runs >= 3);
    await queue.close();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(runs, after);
  });
});
