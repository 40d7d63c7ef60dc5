import assert from 'node:assert/strict';
import { LeaderElector } from '../../src/kube/leader-election.js';
import { silentLogger } from '../../src/kube/logger.js';
import { createObjectClient } from '../../src/kube/objects.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';

describe('LeaderElector against the fake API server (real client)', () => {
  let server: FakeApiServer;
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  const elector = (identity: string) =>
    new LeaderElector({
      objects: createObjectClient(server.kubeConfig('mpstack-system'), 'mpstack-operator'),
      namespace: 'mpstack-system',
      name: 'mpstack-operator',
      identity,
      clock: () => clock.now,
      logger: silentLogger,
      leaseDurationMs: 15_000,
    });

  beforeEach(async () => {
    server = await startFakeApiServer();
  });
  afterEach(async () => server.close());

  it('exactly one of two replicas leads, even when both campaign at the same moment', async () => {
    const [a, b] = [elector('pod-a'), elector('pod-b')];
    const results = await Promise.all([a.tick(), b.tick()]);
    assert.deepEqual(results.filter(Boolean).length, 1);
    assert.equal(a.isLeader !== b.isLeader, true);
  });

  it('the holder keeps the lease by renewing; the other waits while it is fresh', async () => {
    const [a, b] = [elector('pod-a'), elector('pod-b')];
    assert.equal(await a.tick(), true);
    clock.now += 10_000;
    assert.equal(await a.tick(), true, 'renewed');
    clock.now += 10_000;
    assert.equal(await b.tick(), false, 'renewed 10 s ago: still held');
  });

  it('takes over a lease whose holder stopped renewing, once it expired', async () => {
    const [a, b] = [elector('pod-a'), elector('pod-b')];
    let stopped = 0;
    const c = new LeaderElector({
      objects: createObjectClient(server.kubeConfig('mpstack-system'), 'mpstack-operator'),
      namespace: 'mpstack-system',
      name: 'mpstack-operator',
      identity: 'pod-c',
      clock: () => clock.now,
      logger: silentLogger,
      onStoppedLeading: () => {
        stopped++;
      },
    });
    assert.equal(await a.tick(), true);
    a.stop();
    assert.equal(a.isLeader, false);
    clock.now += 14_000;
    assert.equal(await b.tick(), false, 'not expired yet');
    clock.now += 2_000;
    assert.equal(await b.tick(), true, 'expired: taken over');
    assert.equal(await c.tick(), false);
    assert.equal(stopped, 0);
  });

  it('a leader that cannot renew for a whole lease duration stops leading', async () => {
    const a = elector('pod-a');
    assert.equal(await a.tick(), true);
    await server.close();
    clock.now += 5_000;
    assert.equal(await a.tick(), true, 'one failed renewal is tolerated within the lease');
    clock.now += 11_000;
    assert.equal(await a.tick(), false, 'past the lease duration without a renewal');
    server = await startFakeApiServer();
  });
});
