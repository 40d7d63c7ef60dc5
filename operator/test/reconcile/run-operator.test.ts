import assert from 'node:assert/strict';
import { silentLogger } from '../../src/kube/logger.js';
import { type RunningOperator, runOperator } from '../../src/main.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { type SimulatedController, startSimulatedController } from '../support/fake-apiserver/simulated-controller.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import {
  createPlatform,
  eventually,
  FakeRates,
  NAMESPACE,
  platformSpec,
  platformType,
  readPlatform,
} from '../support/operator-harness.js';

const ready = (p: StoredObject) =>
  ((p['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

describe('runOperator (informers + queue + reconciler) against the fake API server and a simulated controller', () => {
  let server: FakeApiServer;
  let controller: SimulatedController;
  let operator: RunningOperator;
  beforeEach(async () => {
    server = await startFakeApiServer();
    controller = startSimulatedController(server.store, 30);
    operator = await runOperator({
      kubeConfig: server.kubeConfig(NAMESPACE),
      namespace: NAMESPACE,
      clock: Date.now,
      logger: silentLogger,
      rates: new FakeRates(),
      scrapeIntervalMs: 60_000,
    });
  });
  afterEach(async () => {
    await operator.close();
    controller.stop();
    await server.close();
  });

  it('drives a new platform to Ready=True as its workloads become ready, then cleans up on delete', async () => {
    createPlatform(server, 'e2e', platformSpec());
    await eventually(() => ready(readPlatform(server, 'e2e')), 20_000, 'Ready=True');
    const pods = server.store.list(findType('', 'v1', 'pods')!, NAMESPACE, 'app.kubernetes.io/component=ingress', null);
    assert.equal(pods.length, 2);
    server.store.delete(platformType, NAMESPACE, 'e2e');
    await eventually(
      () => server.store.list(platformType, NAMESPACE, null, null).length === 0,
      20_000,
      'platform gone',
    );
    assert.equal(server.store.list(findType('apps', 'v1', 'deployments')!, NAMESPACE, null, null).length, 0);
    assert.ok(!server.faults.requests.some((r) => r.contentType?.includes('strategic-merge')));
  });
});
