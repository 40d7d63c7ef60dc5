import assert from 'node:assert/strict';
import { deployedServices } from '../../src/resources/deployed.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import type { StoredObject } from '../support/fake-apiserver/store.js';
import {
  createPlatform,
  type Harness,
  NAMESPACE,
  platformSpec,
  platformType,
  readPlatform,
  startHarness,
} from '../support/operator-harness.js';

type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime: string };
const deployments = findType('apps', 'v1', 'deployments')!;
const events = findType('', 'v1', 'events')!;
const conditionOf = (p: StoredObject, type: string) =>
  ((p['status'] as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
const ownedBy = (uid: string) => (o: StoredObject) =>
  o.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller === true) === true;
const allOwned = (h: Harness, uid: string) =>
  (['deployments', 'statefulsets'] as const)
    .map((p) => findType('apps', 'v1', p)!)
    .concat([
      findType('', 'v1', 'services')!,
      findType('', 'v1', 'configmaps')!,
      findType('networking.k8s.io', 'v1', 'ingresses')!,
    ])
    .flatMap((t) => h.server.store.list(t, NAMESPACE, null, null))
    .filter(ownedBy(uid));

describe('Reconciler against the fake API server (real client)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** A test that ends by checking that, whatever it did, the operator never sent a strategic-merge patch. */
  function it(title: string, body: () => Promise<void>): void {
    globalThis.it(title, async () => {
      await body();
      assert.ok(
        !h.server.faults.requests.some((r) => r.contentType?.includes('strategic-merge')),
        'no strategic merge',
      );
    });
  }

  it('creates every owned object with a controller owner reference, adds the finalizer and writes status', async () => {
    const created = createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const owned = allOwned(h, created.metadata.uid!);
    const kinds = new Set(owned.map((o) => o.kind));
    assert.deepEqual([...kinds].sort(), ['ConfigMap', 'Deployment', 'Ingress', 'Service', 'StatefulSet']);
    assert.equal(owned.filter((o) => o.kind === 'Deployment').length, deployedServices().length);
    const platform = readPlatform(h.server, 'p1');
    assert.deepEqual(platform.metadata.finalizers, ['mpstack.io/cleanup']);
    assert.equal((platform['status'] as { observedGeneration: number }).observedGeneration, 1);
    assert.equal(conditionOf(platform, 'Ready')?.reason, 'Progressing');
  });

  it('a reconcile with nothing changed makes no write at all', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    await h.reconciler.reconcile(NAMESPACE, 'p1'); // the first measured metric lands in status
    const before = h.server.faults.requests.length;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(h.server.faults.writes(before), []);
    assert.ok(h.server.faults.requests.length > before, 'it did read');
  });

  it('a spec change applies (server-side, field manager, force) only the objects it changes, never strategic merge', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const p = readPlatform(h.server, 'p1');
    h.server.store.update(
      platformType,
      NAMESPACE,
      'p1',
      { ...p, spec: { ...(p['spec'] as object), image: 'mpstack/mpstack:0.2.0' } },
      'main',
    );
    const before = h.server.faults.requests.length;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const writes = h.server.faults.writes(before);
    const objectPatches = writes.filter((w) => !w.path.endsWith('/status'));
    assert.equal(objectPatches.length, deployedServices().length);
    assert.ok(
      objectPatches.every(
        (w) =>
          w.method === 'PATCH' &&
          w.path.includes('/deployments/') &&
          w.contentType === 'application/apply-patch+yaml' &&
          w.query.includes('fieldManager=mpstack-operator') &&
          w.query.includes('force=true'),
      ),
    );
    const image = (
      h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as {
        template: { spec: { containers: { image: string }[] } };
      }
    ).template.spec.containers[0]?.image;
    assert.equal(image, 'mpstack/mpstack:0.2.0');
    assert.equal((readPlatform(h.server, 'p1')['status'] as { observedGeneration: number }).observedGeneration, 2);
  });

  it('retries a status patch answered with 409 Conflict', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    h.server.faults.failNext({ path: '/wechatplatforms/p1/status', method: 'PATCH', status: 409 });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const statusPatches = h.server.faults.requests.filter((r) => r.path.endsWith('/p1/status'));
    assert.deepEqual(
      statusPatches.map((r) => r.status),
      [409, 200],
    );
    assert.ok(readPlatform(h.server, 'p1')['status'] !== undefined);
  });

  it('the fake server refuses the client default (strategic merge) on the CR with 415, as the real one does', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    const { KubernetesObjectApi } = await import('@kubernetes/client-node');
    const api = KubernetesObjectApi.makeApiClient(h.server.kubeConfig());
    await assert.rejects(
      api.patch({
        apiVersion: 'mpstack.io/v1alpha1',
        kind: 'WeChatPlatform',
        metadata: { name: 'p1', namespace: NAMESPACE },
        spec: {},
      } as never),
      (e: { code?: number }) => e.code === 415,
    );
    h.server.faults.requests.length = 0; // that request was the test's, not the operator's
  });

  it('on deletion deletes the owned objects, then removes the finalizer so the platform goes', async () => {
    const created = createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.server.store.delete(platformType, NAMESPACE, 'p1');
    assert.ok(readPlatform(h.server, 'p1').metadata.deletionTimestamp, 'held by the finalizer');
    assert.ok(allOwned(h, created.metadata.uid!).length > 0);
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.throws(() => readPlatform(h.server, 'p1'), /not found/);
    assert.equal(allOwned(h, created.metadata.uid!).length, 0);
  });

  it('a name the CRD rule refuses is refused here too (InvalidSpec), creating nothing', async () => {
    const long = `p${'x'.repeat(40)}`;
    const created = createPlatform(h.server, long, platformSpec());
    await h.reconciler.reconcile(NAMESPACE, long);
    assert.equal(allOwned(h, created.metadata.uid!).length, 0);
    const ready = conditionOf(readPlatform(h.server, long), 'Ready');
    assert.equal(ready?.reason, 'InvalidSpec');
    assert.match(ready?.message ?? '', /metadata\.name: at most 40 characters/);
  });

  it('an invalid spec gives Ready=False InvalidSpec and a Warning Event, and creates nothing', async () => {
    const created = createPlatform(
      h.server,
      'bad',
      platformSpec({ image: '', services: { ingress: { replicas: { min: 5, max: 2 } } } }),
    );
    await h.reconciler.reconcile(NAMESPACE, 'bad');
    assert.equal(allOwned(h, created.metadata.uid!).length, 0);
    assert.equal(conditionOf(readPlatform(h.server, 'bad'), 'Ready')?.reason, 'InvalidSpec');
    const warnings = h.server.store.list(events, NAMESPACE, null, null).filter((e) => e['reason'] === 'InvalidSpec');
    assert.equal(warnings.length, 1);
    const before = h.server.faults.requests.length;
    await h.reconciler.reconcile(NAMESPACE, 'bad');
    assert.deepEqual(h.server.faults.writes(before), [], 'no second Event, no status rewrite');
  });

  it('the pause annotation stops every change to owned objects and reports ScalingActive=False Paused', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const p = readPlatform(h.server, 'p1');
    h.server.store.update(
      platformType,
      NAMESPACE,
      'p1',
      {
        ...p,
        metadata: { ...p.metadata, annotations: { 'mpstack.io/paused': 'true' } },
        spec: { ...(p['spec'] as object), image: 'other:1' },
      },
      'main',
    );
    h.rates.fallback = { kind: 'total', total: 5000, targetPerReplica: 100 };
    const before = h.server.faults.requests.length;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.ok(
      h.server.faults.writes(before).every((w) => w.path.includes('/wechatplatforms/')),
      'only the platform status was written',
    );
    assert.equal(conditionOf(readPlatform(h.server, 'p1'), 'ScalingActive')?.reason, 'Paused');
    assert.equal(
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas,
      2,
    );
  });

  it('a missing metric holds the current replicas and sets ScalingActive=False MetricUnavailable', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const d = h.server.store.get(deployments, NAMESPACE, 'p1-ingress');
    h.server.store.update(
      deployments,
      NAMESPACE,
      'p1-ingress',
      { ...d, spec: { ...(d['spec'] as object), replicas: 6 } },
      'main',
    );
    h.rates.readings.set('ingress', { kind: 'unavailable', reason: 'no pod answered' });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas,
      6,
    );
    const scaling = conditionOf(readPlatform(h.server, 'p1'), 'ScalingActive');
    assert.equal(scaling?.status, 'False');
    assert.equal(scaling?.reason, 'MetricUnavailable');
  });

  it('scales a service up from its measured request rate', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.rates.readings.set('ingress', { kind: 'total', total: 600, targetPerReplica: 100 });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas,
      6,
    );
    assert.equal(conditionOf(readPlatform(h.server, 'p1'), 'ScalingActive')?.status, 'True');
  });

  it('raises ingress to the announced push peak five minutes ahead, not before', async () => {
    const push = { start: '2025-01-01T00:10:00Z', expectedMessages: 300_000, durationSeconds: 1800 };
    createPlatform(h.server, 'p1', platformSpec(), { 'mpstack.io/scheduled-push': JSON.stringify(push) });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.rates.readings.set('ingress', { kind: 'total', total: 100, targetPerReplica: 100 });
    const replicas = () =>
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(replicas(), 2, 'ten minutes ahead the measured load decides');
    h.clock.now = Date.parse('2025-01-01T00:06:00Z');
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    // peak = 300 000 / 1800 s × 3 (front-loaded) = 500 req/s, + 100 req/s already there → 6 × 100.
    assert.equal(replicas(), 6);
  });

  it('a malformed scheduled-push annotation announces nothing', async () => {
    createPlatform(h.server, 'p1', platformSpec(), { 'mpstack.io/scheduled-push': '{not json' });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.rates.readings.set('ingress', { kind: 'total', total: 100, targetPerReplica: 100 });
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas,
      2,
    );
  });

  it('scrapes on the scrape clock only: a reconcile between two ticks reuses the decision and writes nothing', async () => {
    createPlatform(h.server, 'p1', platformSpec({ metrics: { scrapeIntervalSeconds: 15 } }));
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    h.rates.readings.set('ingress', { kind: 'total', total: 600, targetPerReplica: 100 });
    const result = await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(result.requeueAfterMs, 15_000, 'the next reconcile is asked for at the next scrape');
    const reads = h.rates.reads;
    const before = h.server.faults.requests.length;
    h.rates.readings.set('ingress', { kind: 'total', total: 1000, targetPerReplica: 100 });
    h.clock.now += 100;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(h.rates.reads, reads, 'no scrape 0.1 s after the last one');
    assert.deepEqual(h.server.faults.writes(before), []);
    h.clock.now += 14_900;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.ok(h.rates.reads > reads, 'the tick scrapes');
    assert.equal(
      (h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as { replicas: number }).replicas,
      10,
    );
  });

  it('a steady rate does not rewrite status at every scrape: lastMetric moves only with the reading', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const at = (rps: number) => {
      h.rates.readings.set('ingress', { kind: 'total', total: rps, targetPerReplica: 100 });
      h.clock.now += 15_000;
      return h.reconciler.reconcile(NAMESPACE, 'p1');
    };
    await at(190);
    const statusWrites = () => h.server.faults.writes().filter((r) => r.path.endsWith('/status')).length;
    const before = statusWrites();
    for (const rps of [191, 189, 192, 190]) await at(rps);
    assert.equal(statusWrites(), before, 'no status write while the rate stays within 10 %');
    await at(260);
    assert.equal(statusWrites(), before + 1);
    type Services = { services: Record<string, { lastMetric?: { requestsPerSecond: number } }> };
    const status = readPlatform(h.server, 'p1')['status'] as Services;
    assert.equal(status.services['ingress']?.lastMetric?.requestsPerSecond, 260);
  });

  const ingresses = findType('networking.k8s.io', 'v1', 'ingresses')!;
  const editSpec = (name: string, edit: (spec: Record<string, unknown>) => Record<string, unknown>) => {
    const p = readPlatform(h.server, name);
    h.server.store.update(
      platformType,
      NAMESPACE,
      name,
      { ...p, spec: edit(p['spec'] as Record<string, unknown>) },
      'main',
    );
  };

  it('a field removed from the spec is removed from the owned object: the Ingress drops its TLS and class', async () => {
    const ingress = { host: 'wx.example.com', className: 'nginx', tls: { secretName: 'wx-tls' } };
    createPlatform(h.server, 'p1', platformSpec({ ingress }));
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const spec = () => h.server.store.get(ingresses, NAMESPACE, 'p1')['spec'] as Record<string, unknown>;
    assert.equal(spec()['ingressClassName'], 'nginx');
    assert.ok(spec()['tls'] !== undefined);
    editSpec('p1', (s) => ({ ...s, ingress: { host: 'wx.example.com' } }));
    h.clock.now += 60_000;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.equal(spec()['ingressClassName'], undefined);
    assert.equal(spec()['tls'], undefined);
    assert.ok(spec()['rules'] !== undefined, 'what is still wanted stays');
  });

  it('a storage change the server refuses (422) fails only that StatefulSet: Ready=False ApplyFailed quotes the server, the rest converges', async () => {
    createPlatform(h.server, 'p1', platformSpec());
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    // Written past the CRD's rule (as with a CRD installed before it): the StatefulSet's
    // volumeClaimTemplates would have to change.
    editSpec('p1', (s) => ({
      ...s,
      image: 'mpstack/mpstack:0.2.0',
      mysql: { ...(s['mysql'] as object), storage: { size: '20Gi' } },
    }));
    h.clock.now += 60_000;
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    const ready = conditionOf(readPlatform(h.server, 'p1'), 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'ApplyFailed');
    assert.match(
      ready?.message ?? '',
      /^StatefulSet\/p1-mysql: StatefulSet\.apps "p1-mysql" is invalid: spec: Forbidden: updates to statefulset spec/,
    );
    const image = (
      h.server.store.get(deployments, NAMESPACE, 'p1-ingress')['spec'] as {
        template: { spec: { containers: { image: string }[] } };
      }
    ).template.spec.containers[0]?.image;
    assert.equal(image, 'mpstack/mpstack:0.2.0', 'the Deployments were still applied');
  });
});
