import assert from 'node:assert/strict';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';

const CR = { group: 'mpstack.io', version: 'v1alpha1', namespace: 'default', plural: 'wechatplatforms' } as const;
const code = (n: number) => (e: { code?: number }) => e.code === n;

describe('fake API server semantics, through the real client (the test double behaves like the API server)', () => {
  let server: FakeApiServer;
  let custom: CustomObjectsApi;
  let apps: AppsV1Api;
  beforeEach(async () => {
    server = await startFakeApiServer();
    custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    apps = server.kubeConfig().makeApiClient(AppsV1Api);
    await custom.createNamespacedCustomObject({
      ...CR,
      body: {
        apiVersion: 'mpstack.io/v1alpha1',
        kind: 'WeChatPlatform',
        metadata: { name: 'p' },
        spec: { image: 'a', ingress: { host: 'wx.example.com' }, redis: { urlSecret: { name: 'r', key: 'url' } } },
        status: { observedGeneration: 1 },
      },
    });
  });
  afterEach(() => server.close());

  it('PUT with a stale resourceVersion is 409; generation moves on spec changes only; status is ignored on the main resource', async () => {
    const first = (await custom.getNamespacedCustomObject({ ...CR, name: 'p' })) as {
      metadata: { resourceVersion: string; generation: number };
      status?: unknown;
    };
    assert.equal(first.status, undefined, 'status dropped on create (status subresource)');
    const body = {
      ...first,
      spec: { ...(first as unknown as { spec: object }).spec, image: 'b' },
      status: { observedGeneration: 2 },
    };
    const updated = (await custom.replaceNamespacedCustomObject({ ...CR, name: 'p', body })) as typeof first;
    assert.equal(updated.metadata.generation, 2);
    assert.equal(updated.status, undefined);
    await assert.rejects(custom.replaceNamespacedCustomObject({ ...CR, name: 'p', body }), code(409));
    const status = (await custom.patchNamespacedCustomObjectStatus(
      { ...CR, name: 'p', body: { status: { observedGeneration: 3 }, spec: { image: 'ignored' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as {
      metadata: { generation: number; resourceVersion: string };
      spec: { image: string };
      status: { observedGeneration: number };
    };
    assert.deepEqual([status.metadata.generation, status.spec.image, status.status.observedGeneration], [2, 'b', 3]);
    assert.ok(Number(status.metadata.resourceVersion) > Number(updated.metadata.resourceVersion));
  });

  it('JSON patch applies add/replace/remove and fails whole with 422 when a test operation fails', async () => {
    const json = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const patched = (await custom.patchNamespacedCustomObject(
      {
        ...CR,
        name: 'p',
        body: [
          { op: 'add', path: '/spec/tag', value: 't' },
          { op: 'replace', path: '/spec/image', value: 'c' },
          { op: 'remove', path: '/spec/tag' },
        ],
      },
      json,
    )) as { spec: Record<string, unknown> };
    assert.deepEqual([patched.spec['image'], patched.spec['tag']], ['c', undefined]);
    await assert.rejects(
      custom.patchNamespacedCustomObject(
        {
          ...CR,
          name: 'p',
          body: [
            { op: 'test', path: '/spec/image', value: 'zzz' },
            { op: 'remove', path: '/spec/image' },
          ],
        },
        json,
      ),
      code(422),
    );
  });

  it('DELETE keeps an object with finalizers (deletionTimestamp set) until the last one is removed', async () => {
    await custom.patchNamespacedCustomObject(
      { ...CR, name: 'p', body: { metadata: { finalizers: ['x/y'] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await custom.deleteNamespacedCustomObject({ ...CR, name: 'p' });
    const held = (await custom.getNamespacedCustomObject({ ...CR, name: 'p' })) as {
      metadata: { deletionTimestamp?: string };
    };
    assert.ok(held.metadata.deletionTimestamp);
    await custom.patchNamespacedCustomObject(
      { ...CR, name: 'p', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await assert.rejects(custom.getNamespacedCustomObject({ ...CR, name: 'p' }), code(404));
  });

  it('serves /scale for Deployments and injects faults (429) on request', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'd' },
        spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [] } } },
      },
    });
    await apps.replaceNamespacedDeploymentScale({
      namespace: 'default',
      name: 'd',
      body: { metadata: { name: 'd' }, spec: { replicas: 4 } },
    });
    assert.equal((await apps.readNamespacedDeployment({ namespace: 'default', name: 'd' })).spec?.replicas, 4);
    server.faults.failNext({ path: '/deployments/d', status: 429 });
    await assert.rejects(apps.readNamespacedDeployment({ namespace: 'default', name: 'd' }), code(429));
    assert.equal(
      (await apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'd' })).status?.selector,
      'a=b',
    );
  });
});
