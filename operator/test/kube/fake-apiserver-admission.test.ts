import assert from 'node:assert/strict';
import { CustomObjectsApi, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { platformSpec } from '../support/operator-harness.js';

const CR = { group: 'mpstack.io', version: 'v1alpha1', namespace: 'default', plural: 'wechatplatforms' } as const;
type Failure = { code?: number; body?: string };
const failsWith = (code: number, message: RegExp) => (e: Failure) =>
  e.code === code && message.test((JSON.parse(e.body ?? '{}') as { message?: string }).message ?? '');

const body = (spec: unknown) => ({
  apiVersion: 'mpstack.io/v1alpha1',
  kind: 'WeChatPlatform',
  metadata: { name: 'p' },
  spec,
});

interface Managed {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

describe('the API-server double refuses what a real one refuses (admission, immutability, field ownership)', () => {
  let server: FakeApiServer;
  let api: KubernetesObjectApi;
  const apply = (object: object, manager: string, force: boolean) =>
    api.patch(object as KubernetesObject, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
  const mergePatch = (object: object, manager: string) =>
    api.patch(object as KubernetesObject, undefined, undefined, manager, undefined, PatchStrategy.MergePatch);
  beforeEach(async () => {
    server = await startFakeApiServer();
    api = KubernetesObjectApi.makeApiClient(server.kubeConfig());
  });
  afterEach(() => server.close());

  const ingress = (spec: Record<string, unknown>) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      rules: [{ host: 'wx.example.com' }],
      ...spec,
    },
  });

  it('server-side apply: the manager owns what it sends; dropping a field it alone owns removes it', async () => {
    const applied = (await apply(
      ingress({ ingressClassName: 'nginx', tls: [{ hosts: ['wx.example.com'], secretName: 't' }] }),
      'mpstack-operator',
      true,
    )) as KubernetesObject & { spec: Record<string, unknown> };
    const managed = applied.metadata?.managedFields as unknown as Managed[];
    assert.deepEqual(
      managed.map((m) => [m.manager, m.operation]),
      [['mpstack-operator', 'Apply']],
    );
    assert.ok('f:ingressClassName' in ((managed[0]?.fieldsV1['f:spec'] ?? {}) as object));
    const again = (await apply(ingress({}), 'mpstack-operator', true)) as { spec: Record<string, unknown> };
    assert.equal(again.spec['ingressClassName'], undefined);
    assert.equal(again.spec['tls'], undefined);
    assert.deepEqual(JSON.parse(JSON.stringify(again.spec['rules'])), [{ host: 'wx.example.com' }]);
  });

  it('a field another manager set is a 409 conflict naming it, unless force takes it over; a shared field stays', async () => {
    await apply(ingress({ ingressClassName: 'nginx' }), 'mpstack-operator', true);
    await mergePatch(
      {
        ...ingress({}),
        metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } },
        spec: { ingressClassName: 'traefik' },
      },
      'kubectl-edit',
    );
    await assert.rejects(
      apply(ingress({ ingressClassName: 'nginx' }), 'mpstack-operator', false),
      failsWith(
        409,
        /^Apply failed with 1 conflict: conflict with "kubectl-edit" using networking.k8s.io\/v1: \.spec\.ingressClassName$/,
      ),
    );
    const forced = (await apply(
      ingress({ ingressClassName: 'nginx' }),
      'mpstack-operator',
      true,
    )) as KubernetesObject & {
      spec: Record<string, unknown>;
    };
    assert.equal(forced.spec['ingressClassName'], 'nginx');
    assert.deepEqual(
      forced.metadata?.labels,
      { team: 'a' },
      'the other manager’s label is not the applier’s to remove',
    );
  });

  it('an apply without a field manager is a 400', async () => {
    await assert.rejects(
      api.patch(ingress({}) as KubernetesObject, undefined, undefined, undefined, true, PatchStrategy.ServerSideApply),
      (e: Failure) => e.code === 400,
    );
  });

  const statefulSet = (storage: string, replicas = 2) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'mariadb:10.11' }] } },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
        },
      ],
    },
  });

  it('a StatefulSet’s volumeClaimTemplates are immutable (422 in the real message shape); replicas are not', async () => {
    await apply(statefulSet('10Gi'), 'mpstack-operator', true);
    await apply(statefulSet('10Gi', 3), 'mpstack-operator', true);
    await assert.rejects(
      apply(statefulSet('20Gi', 3), 'mpstack-operator', true),
      failsWith(
        422,
        /^StatefulSet\.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden$/,
      ),
    );
  });

  it('built-in objects are checked against the Kubernetes schemas (a misspelt or mistyped field is a 422)', async () => {
    // Raw HTTP: the typed client would drop an unknown field before sending it.
    const plain = await startFakeApiServer({ isTls: false });
    try {
      const send = async (object: object) => {
        const response = await fetch(
          `${plain.url}/apis/apps/v1/namespaces/default/statefulsets/db?fieldManager=mpstack-operator&force=true`,
          {
            method: 'PATCH',
            headers: { authorization: `Bearer ${plain.token}`, 'content-type': 'application/apply-patch+yaml' },
            body: JSON.stringify(object),
          },
        );
        return { status: response.status, message: ((await response.json()) as { message?: string }).message ?? '' };
      };
      const mistyped = statefulSet('10Gi') as { spec: Record<string, unknown> };
      mistyped.spec['replicas'] = 'two';
      const first = await send(mistyped);
      assert.equal(first.status, 422);
      assert.match(first.message, /^StatefulSet\.apps "db" is invalid: .*replicas/);
      const misspelt = statefulSet('10Gi') as { spec: Record<string, unknown> };
      misspelt.spec['replica'] = 2;
      const second = await send(misspelt);
      assert.equal(second.status, 422);
      assert.match(second.message, /spec\.replica: unknown field/);
      assert.equal((await send(statefulSet('10Gi'))).status, 201);
    } finally {
      await plain.close();
    }
  });

  it('a WeChatPlatform is checked against the CRD schema: required fields, defaults applied, unknown fields pruned', async () => {
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    await assert.rejects(
      custom.createNamespacedCustomObject({ ...CR, body: body({ image: 'x' }) }),
      failsWith(422, /^WeChatPlatform\.mpstack\.io "p" is invalid: .*spec\.ingress: Required value/),
    );
    const created = (await custom.createNamespacedCustomObject({
      ...CR,
      body: body({ ...platformSpec(), ingres: 'typo' }),
    })) as { spec: Record<string, { storage?: { size: string } }> };
    assert.equal(created.spec['ingres'], undefined, 'pruned');
    assert.equal(created.spec['mysql']?.storage?.size, '10Gi', 'defaulted');
  });

  it('storage of MySQL and RabbitMQ is immutable by the CRD rule self == oldSelf (422 with the rule’s message)', async () => {
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({ ...CR, body: body(platformSpec()) });
    const patch = (spec: object) =>
      api.patch(
        {
          apiVersion: 'mpstack.io/v1alpha1',
          kind: 'WeChatPlatform',
          metadata: { name: 'p', namespace: 'default' },
          spec,
        } as KubernetesObject,
        undefined,
        undefined,
        'kubectl-edit',
        undefined,
        PatchStrategy.MergePatch,
      );
    await assert.rejects(
      patch({ mysql: { storage: { size: '20Gi' } } }),
      failsWith(422, /spec\.mysql\.storage: Invalid value: "object": storage is immutable/),
    );
    await assert.rejects(patch({ rabbitmq: { storage: { size: '20Gi' } } }), failsWith(422, /spec\.rabbitmq\.storage/));
    await patch({ image: 'mpstack/mpstack:0.2.0' });
  });
});
