import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { type RunningOperator, runOperator } from '../../src/main.js';
import type { MysqlControl } from '../../src/reconcile/mysql-port.js';
import { withCrdDefaults } from '../support/fake-apiserver/admission.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { type SimulatedController, startSimulatedController } from '../support/fake-apiserver/simulated-controller.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import {
  createPlatform,
  NAMESPACE,
  operatorOptions,
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
    operator = await runOperator(operatorOptions(server));
  });
  afterEach(async () => {
    await operator.close();
    controller.stop();
    await server.close();
  });

  it('drives a new platform to Ready=True as its workloads become ready, then cleans up on delete', async () => {
    createPlatform(server, 'e2e', platformSpec());
    await until(() => ready(readPlatform(server, 'e2e')), 20_000, 'Ready=True');
    const pods = server.store.list(findType('', 'v1', 'pods')!, NAMESPACE, 'app.kubernetes.io/component=ingress', null);
    assert.equal(pods.length, 2);
    server.store.delete(platformType, NAMESPACE, 'e2e');
    await until(() => server.store.list(platformType, NAMESPACE, null, null).length === 0, 20_000, 'platform gone');
    assert.equal(server.store.list(findType('apps', 'v1', 'deployments')!, NAMESPACE, null, null).length, 0);
    assert.ok(!server.faults.requests.some((r) => r.contentType?.includes('strategic-merge')));
  });
});

describe('runOperator: MySQL pods are watched', () => {
  let server: FakeApiServer;
  let controller: SimulatedController;
  let operator: RunningOperator;
  const steps: { at: number; notReady: string[] }[] = [];
  const control: MysqlControl = {
    async step(_platform, pods, recorded) {
      const notReady = pods
        .filter((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((p) => p.metadata?.name ?? '');
      steps.push({ at: Date.now(), notReady });
      const state = recorded ?? { writer: null, lastFailoverAt: null, failures: {}, fenced: [] };
      return { state, conditions: [], writer: state.writer, events: [] };
    },
  };

  beforeEach(async () => {
    steps.length = 0;
    server = await startFakeApiServer();
    controller = startSimulatedController(server.store, 30);
    operator = await runOperator(operatorOptions(server, { mysql: control }));
  });
  afterEach(async () => {
    await operator.close();
    controller.stop();
    await server.close();
  });

  it('reconciles the platform as soon as one of its MySQL pods turns NotReady, not at the next requeue', async () => {
    // Every requeue (probe interval, scrape interval) is far beyond the test: only a Pod
    // event can explain a prompt round.
    createPlatform(
      server,
      'db',
      platformSpec({ mysql: { failover: { probeIntervalSeconds: 600 } }, metrics: { scrapeIntervalSeconds: 3600 } }),
    );
    const podsType = findType('', 'v1', 'pods')!;
    const mysqlPods = () => server.store.list(podsType, NAMESPACE, 'app.kubernetes.io/component=mysql', null);
    await until(() => mysqlPods().length === 2, 10_000, 'two MySQL pods');
    await until(() => steps.some((s) => s.notReady.length === 0), 10_000, 'a round with both pods Ready');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = steps.length;
    const pod = mysqlPods().find((p) => p.metadata.name === 'db-mysql-1');
    assert.ok(pod !== undefined);
    const changedAt = Date.now();
    server.store.update(
      podsType,
      NAMESPACE,
      'db-mysql-1',
      { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } },
      'status',
    );
    await until(() => steps.slice(before).some((s) => s.notReady.includes('db-mysql-1')), 5_000, 'a prompt round');
    const round = steps.slice(before).find((s) => s.notReady.includes('db-mysql-1'));
    assert.ok(round !== undefined && round.at - changedAt < 5_000);
  });
});

describe('runOperator: which namespaces it watches', () => {
  let server: FakeApiServer;
  let operator: RunningOperator | undefined;
  beforeEach(async () => {
    server = await startFakeApiServer();
  });
  afterEach(async () => {
    await operator?.close();
    await server.close();
  });
  const create = (namespace: string, name: string) =>
    server.store.create(
      platformType,
      namespace,
      withCrdDefaults({
        apiVersion: 'mpstack.io/v1alpha1',
        kind: 'WeChatPlatform',
        metadata: { name },
        spec: platformSpec(),
      }),
    );
  const hasStatus = (namespace: string, name: string) =>
    server.store.get(platformType, namespace, name)['status'] !== undefined;

  it('reconciles platforms of every namespace by default (the examples live in default and wechat)', async () => {
    operator = await runOperator({ ...operatorOptions(server), namespaces: [] });
    create('default', 'a');
    create('wechat', 'b');
    await until(() => hasStatus('default', 'a') && hasStatus('wechat', 'b'), 10_000, 'both reconciled');
  });

  it('reconciles only the configured namespaces when given a list', async () => {
    operator = await runOperator({ ...operatorOptions(server), namespaces: ['wechat', 'shop'] });
    create('default', 'a');
    create('wechat', 'b');
    create('shop', 'c');
    await until(() => hasStatus('wechat', 'b') && hasStatus('shop', 'c'), 10_000, 'the listed ones');
    assert.equal(hasStatus('default', 'a'), false);
  });
});
