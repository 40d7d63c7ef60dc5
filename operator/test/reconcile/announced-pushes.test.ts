import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScheduledPushAnnouncement } from '@mpstack/common/contracts';
import { createScheduledPushSource } from '../../src/reconcile/announced-pushes.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import {
  createPlatform,
  type Harness,
  NAMESPACE,
  platformSpec,
  readPlatform,
  startHarness,
} from '../support/operator-harness.js';

const deployments = findType('apps', 'v1', 'deployments')!;

/**
 * The business service's `GET /api/scheduled-pushes` as an HTTP server of the test's own
 * (what the operator reads in the cluster from the business Service), answering `pushes`,
 * or 503 while `isDown`.
 */
async function businessDouble() {
  const state = { pushes: [] as ScheduledPushAnnouncement[], isDown: false, reads: 0 };
  const server: Server = createServer((req, res) => {
    state.reads += 1;
    if (state.isDown || req.url !== '/api/scheduled-pushes') {
      res.writeHead(state.isDown ? 503 : 404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pushes: state.pushes }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('pushes announced by the business service (status.scheduledPushes, pre-scaling)', () => {
  let h: Harness;
  let business: Awaited<ReturnType<typeof businessDouble>>;
  const replicas = (service: string) =>
    (h.server.store.get(deployments, NAMESPACE, `p1-${service}`)['spec'] as { replicas: number }).replicas;
  const announced = () =>
    (readPlatform(h.server, 'p1')['status'] as { scheduledPushes?: unknown } | undefined)?.scheduledPushes;
  const nextScrape = async () => {
    h.clock.now += 15_000;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
  };

  beforeEach(async () => {
    business = await businessDouble();
    h = await startHarness({ scheduledPushes: createScheduledPushSource({ businessUrlOf: () => business.url }) });
  });
  afterEach(async () => {
    await h.close();
    await business.close();
  });

  it('writes the announced push into status, raises ingress before its start, and removes it when the push is gone', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.rates.readings.set('ingress', { kind: 'total', total: 100, targetPerReplica: 100 });
    await nextScrape();
    assert.deepEqual(announced(), [], 'nothing announced: an empty list');
    assert.equal(replicas('ingress'), 2);
    business.state.pushes = [
      {
        push: 7,
        account: 'shop',
        start: '2025-01-01T00:04:00.000Z',
        expectedMessages: 300_000,
        durationSeconds: 1800,
      },
    ];
    await nextScrape();
    assert.deepEqual(announced(), [
      { start: '2025-01-01T00:04:00.000Z', expectedMessages: 300_000, durationSeconds: 1800 },
    ]);
    // Within five minutes of the start: peak 300 000 / 1800 s × 3 = 500 req/s + 100 there → 6 × 100.
    assert.equal(replicas('ingress'), 6);
    // The business service cannot be read: the push (its window still open) stays announced.
    business.state.isDown = true;
    await nextScrape();
    assert.equal((announced() as unknown[]).length, 1);
    assert.equal(replicas('ingress'), 6);
    // The push finished (or was cancelled): the business service no longer lists it.
    business.state.isDown = false;
    business.state.pushes = [];
    await nextScrape();
    assert.deepEqual(announced(), []);
  });

  it('drops a kept push once its window ended while the business service stayed unreadable', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    business.state.pushes = [
      { push: 1, account: 'shop', start: '2025-01-01T00:01:00.000Z', expectedMessages: 6000, durationSeconds: 60 },
    ];
    await nextScrape();
    assert.equal((announced() as unknown[]).length, 1);
    business.state.isDown = true;
    h.clock.now = Date.parse('2025-01-01T00:02:30Z');
    await nextScrape();
    assert.deepEqual(announced(), [], 'its window (start + 60 s) has passed');
  });

  it('ignores an answer that breaks the contract (the last list is kept)', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    business.state.pushes = [
      { push: 1, account: 'shop', start: '2025-01-01T00:03:00.000Z', expectedMessages: 6000, durationSeconds: 600 },
    ];
    await nextScrape();
    business.state.pushes = [{ push: 2, account: 'shop', start: 'tomorrow', expectedMessages: 1, durationSeconds: 1 }];
    await nextScrape();
    assert.deepEqual(announced(), [
      { start: '2025-01-01T00:03:00.000Z', expectedMessages: 6000, durationSeconds: 600 },
    ]);
  });
});
