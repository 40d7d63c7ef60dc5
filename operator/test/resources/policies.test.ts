import assert from 'node:assert/strict';
import type { V1Deployment, V1PodDisruptionBudget, V1PodSpec, V1StatefulSet } from '@kubernetes/client-node';
import { SERVICE_NAMES } from '../../src/api/v1alpha1.js';
import type { RateQuery, RequestRateSource } from '../../src/metrics/index.js';
import { type DesiredObject, desiredResources } from '../../src/resources/desired.js';
import { kubernetesProblems, wireForm } from '../manifests/kube-validate.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import {
  createPlatform,
  type Harness,
  NAMESPACE,
  platformSpec,
  platformType,
  startHarness,
} from '../support/operator-harness.js';
import { platformFrom } from './fixture.js';

/** Every platform service, runnable in this build or not: the builders are tested for all. */
const ALL = { services: SERVICE_NAMES } as const;

const ofKind = (objects: readonly DesiredObject[], kind: string) => objects.filter((o) => o.kind === kind);
const podSpecs = (objects: readonly DesiredObject[]): V1PodSpec[] =>
  objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => (o as V1Deployment | V1StatefulSet).spec?.template.spec as V1PodSpec);

type Rule = { from?: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown }[] };
type Policy = {
  spec: { podSelector: { matchLabels: Record<string, string> }; ingress: (Rule & { ports: unknown })[] };
};

describe('PodDisruptionBudgets, NetworkPolicies, pull secrets and data-store resources', () => {
  it('gives every service, the MySQL pair and a 3-node RabbitMQ a budget of one pod by default', () => {
    const objects = desiredResources(platformFrom({ rabbitmq: { replicas: 3 } }), ALL);
    const budgets = ofKind(objects, 'PodDisruptionBudget') as V1PodDisruptionBudget[];
    assert.deepEqual(
      budgets.map((b) => b.metadata?.name).sort(),
      [...SERVICE_NAMES.map((s) => `wx-${s}`), 'wx-mysql', 'wx-rabbitmq'].sort(),
    );
    for (const b of budgets) {
      assert.equal(b.spec?.maxUnavailable, 1, b.metadata?.name);
      assert.deepEqual(kubernetesProblems(wireForm(b)), []);
    }
    const rabbit = budgets.find((b) => b.metadata?.name === 'wx-rabbitmq');
    assert.equal(rabbit?.spec?.selector?.matchLabels?.['app.kubernetes.io/component'], 'rabbitmq');
  });

  it('lets a 5-node RabbitMQ lose 2 (its quorum), never budgets a single node (0 would block every drain)', () => {
    const five = ofKind(desiredResources(platformFrom({ rabbitmq: { replicas: 5 } }), ALL), 'PodDisruptionBudget');
    assert.equal(
      (five.find((b) => b.metadata?.name === 'wx-rabbitmq') as V1PodDisruptionBudget).spec?.maxUnavailable,
      2,
    );
    const one = ofKind(desiredResources(platformFrom({ rabbitmq: { replicas: 1 } }), ALL), 'PodDisruptionBudget');
    assert.equal(
      one.find((b) => b.metadata?.name === 'wx-rabbitmq'),
      undefined,
    );
  });

  it('creates no budget when podDisruptionBudgets.enabled is false, and no NetworkPolicy unless enabled', () => {
    const objects = desiredResources(platformFrom({ podDisruptionBudgets: { enabled: false } }), ALL);
    assert.deepEqual(ofKind(objects, 'PodDisruptionBudget'), []);
    assert.deepEqual(ofKind(objects, 'NetworkPolicy'), []);
  });

  it('closes MySQL to all but the platform and the operator (its namespace), sending `from` on the wire', () => {
    const platform = platformFrom({ networkPolicies: { enabled: true }, rabbitmq: { replicas: 3 } });
    const policies = ofKind(
      desiredResources(platform, { ...ALL, operatorNamespace: 'mpstack-system' }),
      'NetworkPolicy',
    );
    assert.deepEqual(policies.map((p) => p.metadata?.name).sort(), ['wx-mysql', 'wx-rabbitmq']);
    for (const p of policies) assert.deepEqual(kubernetesProblems(wireForm(p)), []);
    const mysql = wireForm(policies.find((p) => p.metadata?.name === 'wx-mysql') as object) as unknown as Policy;
    assert.deepEqual(mysql.spec.podSelector.matchLabels['app.kubernetes.io/component'], 'mysql');
    assert.equal(mysql.spec.ingress.length, 1);
    assert.deepEqual(mysql.spec.ingress[0]?.ports, [{ port: 3306, protocol: 'TCP' }]);
    const peers = mysql.spec.ingress[0]?.from ?? [];
    assert.deepEqual(peers[0]?.podSelector?.matchLabels, {
      'app.kubernetes.io/name': 'mpstack',
      'app.kubernetes.io/instance': 'wx',
    });
    assert.deepEqual(peers[1], {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mpstack-system' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'operator' } },
    });
  });

  it('opens RabbitMQ only as needed: AMQP to the platform, clustering among brokers, management to the operator', () => {
    const platform = platformFrom({ networkPolicies: { enabled: true }, rabbitmq: { replicas: 3 } });
    const policy = ofKind(desiredResources(platform, ALL), 'NetworkPolicy').find(
      (p) => p.metadata?.name === 'wx-rabbitmq',
    );
    const rules = (wireForm(policy as object) as unknown as Policy).spec.ingress;
    const ports = rules.map((r) => (r.ports as { port: number }[]).map((p) => p.port));
    assert.deepEqual(ports, [[5672], [4369, 25672], [15672], [15692]]);
    assert.deepEqual(rules[2]?.from?.[0]?.namespaceSelector, {}, 'operator namespace unknown: any namespace');
    assert.equal(rules[3]?.from, undefined, 'metrics scrapers may come from anywhere');
  });

  it('puts imagePullSecrets on every pod the operator creates, and none when the spec names none', () => {
    const withSecrets = desiredResources(platformFrom({ imagePullSecrets: [{ name: 'registry' }] }), ALL);
    const pods = podSpecs(withSecrets);
    assert.equal(pods.length, SERVICE_NAMES.length + 2);
    for (const pod of pods) assert.deepEqual(pod.imagePullSecrets, [{ name: 'registry' }]);
    for (const pod of podSpecs(desiredResources(platformFrom({}), ALL))) assert.equal(pod.imagePullSecrets, undefined);
  });

  it('sizes the MySQL and RabbitMQ containers from the spec, keeping the defaults otherwise', () => {
    const resources = { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '4Gi' } };
    const objects = desiredResources(platformFrom({ mysql: { resources }, rabbitmq: { resources } }), ALL);
    const containers = (name: string) =>
      (objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === name) as V1StatefulSet).spec?.template.spec
        ?.containers ?? [];
    assert.deepEqual(containers('wx-mysql').find((c) => c.name === 'mysql')?.resources, resources);
    assert.deepEqual(containers('wx-rabbitmq').find((c) => c.name === 'rabbitmq')?.resources, resources);
    const defaults = desiredResources(platformFrom({}), ALL);
    const mysqlDefault = (
      defaults.find((o) => o.metadata?.name === 'wx-mysql' && o.kind === 'StatefulSet') as V1StatefulSet
    ).spec?.template.spec?.containers.find((c) => c.name === 'mysql');
    assert.deepEqual(mysqlDefault?.resources, { requests: { cpu: '250m', memory: '512Mi' } });
  });
});

describe('Reconciler: budgets and policies through the API server double', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const stored = (group: string, plural: string) =>
    h.server.store.list(
      findType(group, 'v1', plural) as NonNullable<ReturnType<typeof findType>>,
      NAMESPACE,
      null,
      null,
    );

  it('creates them, and deletes them when the spec turns them off', async () => {
    createPlatform(h.server, 'p1', platformSpec({ networkPolicies: { enabled: true } }));
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.ok(stored('policy', 'poddisruptionbudgets').length > 0);
    const policies = stored('networking.k8s.io', 'networkpolicies');
    assert.deepEqual(policies.map((p) => p.metadata.name).sort(), ['p1-mysql', 'p1-rabbitmq']);
    const rules = (policies[0] as unknown as Policy).spec.ingress;
    assert.ok(
      rules.every((r) => r.from === undefined || Array.isArray(r.from)),
      'the API server got `from`',
    );
    assert.ok(rules.some((r) => Array.isArray(r.from)));

    const platform = h.server.store.get(platformType, NAMESPACE, 'p1');
    const spec = { ...(platform['spec'] as object), networkPolicies: { enabled: false } };
    h.server.store.update(
      platformType,
      NAMESPACE,
      'p1',
      { ...platform, spec: { ...spec, podDisruptionBudgets: { enabled: false } } },
      'main',
    );
    await h.reconciler.reconcile(NAMESPACE, 'p1');
    assert.deepEqual(stored('policy', 'poddisruptionbudgets'), []);
    assert.deepEqual(stored('networking.k8s.io', 'networkpolicies'), []);
  });
});

describe('Reconciler: spec.metrics picks the rate source', () => {
  it('asks the rate source with the platform namespace and its spec.metrics (prometheus and its URL)', async () => {
    const queries: RateQuery[] = [];
    const rates: RequestRateSource = {
      read: async (query) => {
        queries.push(query);
        return { kind: 'unavailable', reason: 'recorded' };
      },
    };
    const h = await startHarness({ rates });
    try {
      const metrics = { source: 'prometheus', prometheusUrl: 'http://prometheus.monitoring:9090' };
      createPlatform(h.server, 'p1', platformSpec({ metrics }));
      h.server.store.create(findType('', 'v1', 'pods') as NonNullable<ReturnType<typeof findType>>, NAMESPACE, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'p1-ingress-abc',
          labels: {
            'app.kubernetes.io/name': 'mpstack',
            'app.kubernetes.io/instance': 'p1',
            'app.kubernetes.io/component': 'ingress',
          },
        },
        status: { phase: 'Running', podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'True' }] },
      });
      await h.reconciler.reconcile(NAMESPACE, 'p1');
      await h.reconciler.reconcile(NAMESPACE, 'p1');
      const ingress = queries.find((q) => q.service === 'ingress');
      assert.ok(ingress, 'the ingress rate was read');
      assert.equal(ingress.namespace, NAMESPACE);
      assert.deepEqual(ingress.metrics, { ...metrics, scrapeIntervalSeconds: 15 });
    } finally {
      await h.close();
    }
  });
});
