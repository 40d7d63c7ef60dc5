import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InformerEvent } from '../../src/kube/informer.js';
import { isMysqlPodTrigger, isPlatformTrigger, isWorkloadTrigger } from '../../src/reconcile/triggers.js';

const platform = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubernetesObject =>
  ({
    metadata: { name: 'p1', namespace: 'default', generation: 1, resourceVersion: '1', ...meta },
    spec: {},
    ...extra,
  }) as KubernetesObject;

describe('watch events that start a reconcile (no feedback from the operator’s own writes)', () => {
  const { Add, Update, Delete } = InformerEvent;

  it('a platform status patch or finalizer edit (the operator’s own writes) reconciles nothing', () => {
    const before = platform();
    assert.equal(isPlatformTrigger(Update, platform({ status: { x: 1 } }, { resourceVersion: '2' }), before), false);
    assert.equal(isPlatformTrigger(Update, platform({}, { finalizers: ['mpstack.io/cleanup'] }), before), false);
  });

  it('a spec change (generation), an annotation, a deletion, an add or a delete reconciles', () => {
    const before = platform();
    assert.equal(isPlatformTrigger(Update, platform({}, { generation: 2 }), before), true);
    assert.equal(
      isPlatformTrigger(Update, platform({}, { annotations: { 'mpstack.io/paused': 'true' } }), before),
      true,
    );
    assert.equal(isPlatformTrigger(Update, platform({}, { deletionTimestamp: '2025-01-01T00:00:00Z' }), before), true);
    assert.equal(isPlatformTrigger(Add, before, undefined), true);
    assert.equal(isPlatformTrigger(Delete, before, before), true);
    assert.equal(isPlatformTrigger(Update, before, undefined), true, 'an update of an object not cached');
  });

  it('a workload reconciles on a status or spec change, not on a metadata-only write', () => {
    const before = platform({ status: { readyReplicas: 1 } });
    assert.equal(isWorkloadTrigger(Update, platform({ status: { readyReplicas: 2 } }), before), true);
    assert.equal(
      isWorkloadTrigger(Update, platform({ status: { readyReplicas: 1 } }, { generation: 2 }), before),
      true,
    );
    const relabelled = platform({ status: { readyReplicas: 1 } }, { labels: { a: 'b' }, resourceVersion: '9' });
    assert.equal(isWorkloadTrigger(Update, relabelled, before), false);
  });

  it('a MySQL pod reconciles when its readiness, address or deletion changes', () => {
    const pod = (ready: string, ip = '10.0.0.1', meta: Record<string, unknown> = {}) =>
      platform({ status: { podIP: ip, conditions: [{ type: 'Ready', status: ready }] } }, meta);
    assert.equal(isMysqlPodTrigger(Update, pod('False'), pod('True')), true);
    assert.equal(isMysqlPodTrigger(Update, pod('True', '10.0.0.2'), pod('True')), true);
    assert.equal(isMysqlPodTrigger(Update, pod('True', '10.0.0.1', { deletionTimestamp: 'x' }), pod('True')), true);
    assert.equal(isMysqlPodTrigger(Update, pod('True', '10.0.0.1', { resourceVersion: '5' }), pod('True')), false);
  });
});
