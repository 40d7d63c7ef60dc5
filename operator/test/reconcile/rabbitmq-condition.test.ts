import assert from 'node:assert/strict';
import { findType } from '../support/fake-apiserver/resource-types.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import {
  createPlatform,
  type Harness,
  NAMESPACE,
  platformSpec,
  readPlatform,
  startHarness,
} from '../support/operator-harness.js';

const statefulSets = findType('apps', 'v1', 'statefulsets')!;
const condition = (p: StoredObject) =>
  ((p['status'] as { conditions?: { type: string; status: string; reason: string }[] }).conditions ?? []).find(
    (c) => c.type === 'RabbitMQAvailable',
  );

describe('RabbitMQAvailable condition', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('is False until a majority of the broker nodes is ready, then True', async () => {
    createPlatform(h.server, 'p1', platformSpec({ rabbitmq: { mode: 'statefulSet', replicas: 3 } }));
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(
      {
        status: condition(readPlatform(h.server, 'p1'))?.status,
        reason: condition(readPlatform(h.server, 'p1'))?.reason,
      },
      { status: 'False', reason: 'NoQuorum' },
    );
    const set = h.server.store.get(statefulSets, NAMESPACE, 'p1-rabbitmq');
    h.server.store.update(statefulSets, NAMESPACE, 'p1-rabbitmq', { ...set, status: { readyReplicas: 2 } }, 'status');
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(condition(readPlatform(h.server, 'p1'))?.status, 'True');
  });

  it('is Unknown for an external broker', async () => {
    createPlatform(
      h.server,
      'p1',
      platformSpec({ rabbitmq: { mode: 'external', externalUrlSecret: { name: 'mq', key: 'url' } } }),
    );
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(condition(readPlatform(h.server, 'p1'))?.status, 'Unknown');
  });
});

describe('RabbitMQ nodes are never removed by the operator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('keeps the running node count and warns when the spec asks for fewer', async () => {
    const created = createPlatform(h.server, 'p1', platformSpec({ rabbitmq: { mode: 'statefulSet', replicas: 5 } }));
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const replicas = () =>
      (h.server.store.get(statefulSets, NAMESPACE, 'p1-rabbitmq')['spec'] as { replicas: number }).replicas;
    assert.equal(replicas(), 5);
    const current = readPlatform(h.server, 'p1');
    h.server.store.update(
      findType('mpstack.io', 'v1alpha1', 'wechatplatforms')!,
      NAMESPACE,
      'p1',
      { ...current, spec: { ...(created['spec'] as object), rabbitmq: { mode: 'statefulSet', replicas: 3 } } },
      'main',
    );
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(replicas(), 5);
    const events = h.server.store.list(findType('', 'v1', 'events')!, NAMESPACE, null, null);
    assert.ok(events.some((e) => (e as { reason?: string }).reason === 'RabbitMQScaleDownRefused'));
  });
});
