import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { type RunningOperator, runOperator } from '../../src/main.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { createPlatform, NAMESPACE, operatorOptions, platformSpec } from '../support/operator-harness.js';

const leases = findType('coordination.k8s.io', 'v1', 'leases')!;
const deployments = findType('apps', 'v1', 'deployments')!;

describe('runOperator with leader election: two replicas, one reconciles', () => {
  let server: FakeApiServer;
  const running: RunningOperator[] = [];
  const start = (identity: string) =>
    runOperator(operatorOptions(server, { leaderElection: { namespace: NAMESPACE, identity } })).then((operator) => {
      running.push(operator);
      return operator;
    });

  beforeEach(async () => {
    server = await startFakeApiServer();
  });
  afterEach(async () => {
    await Promise.allSettled(running.splice(0).map((operator) => operator.close()));
    await server.close();
  });

  it('a replica that does not hold the lease writes nothing; the holder reconciles the platform', async () => {
    // Another replica holds a fresh lease: this one must only watch.
    server.store.create(leases, NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'mpstack-operator' },
      spec: { holderIdentity: 'pod-elsewhere', leaseDurationSeconds: 3600, renewTime: new Date().toISOString() },
    });
    await start('pod-a');
    createPlatform(server, 'p1', platformSpec());
    // A negative can only be observed over time: long enough for the watch event and a reconcile attempt.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(server.store.list(deployments, NAMESPACE, null, null).length, 0, 'a follower created objects');
    server.store.delete(leases, NAMESPACE, 'mpstack-operator');
    await until(
      () => server.store.list(deployments, NAMESPACE, null, null).length > 0,
      20_000,
      'the new leader reconciles',
    );
    const lease = server.store.get(leases, NAMESPACE, 'mpstack-operator') as { spec?: { holderIdentity?: string } };
    assert.equal(lease.spec?.holderIdentity, 'pod-a');
  });
});
