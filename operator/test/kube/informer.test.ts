import assert from 'node:assert/strict';
import { AppsV1Api, type V1Deployment } from '@kubernetes/client-node';
import { until } from '@mpstack/testkit';
import { createInformer, type InformerEvent, type ManagedInformer } from '../../src/kube/informer.js';
import { silentLogger } from '../../src/kube/logger.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';

const deployments = findType('apps', 'v1', 'deployments')!;
const PATH = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, replicas = 1) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas } };
}

describe('createInformer (real client, fake API server)', () => {
  let server: FakeApiServer;
  let informer: ManagedInformer<V1Deployment>;
  let seen: { event: InformerEvent; name: string; replicas: number | undefined }[];

  beforeEach(async () => {
    server = await startFakeApiServer();
    seen = [];
    const kubeConfig = server.kubeConfig();
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    informer = createInformer<V1Deployment>({
      kubeConfig,
      path: PATH,
      list: () => apps.listNamespacedDeployment({ namespace: 'default' }),
      onEvent: (event, o) => seen.push({ event, name: o.metadata?.name ?? '', replicas: o.spec?.replicas }),
      logger: silentLogger,
      backoff: { initialMs: 20, maxMs: 200 },
    });
  });
  afterEach(async () => {
    await informer.stop();
    await server.close();
  });

  const saw = (event: InformerEvent, name: string, replicas?: number) =>
    seen.some((s) => s.event === event && s.name === name && (replicas === undefined || s.replicas === replicas));

  it('lists, then sees additions, updates and deletions through the watch', async () => {
    server.store.create(deployments, 'default', deployment('a'));
    await informer.start();
    await until(() => saw('add', 'a'), 5000, 'listed a');
    server.store.create(deployments, 'default', deployment('b'));
    const a = server.store.get(deployments, 'default', 'a');
    server.store.update(deployments, 'default', 'a', { ...a, spec: { replicas: 3 } }, 'main');
    server.store.delete(deployments, 'default', 'b');
    await until(() => saw('add', 'b') && saw('update', 'a', 3) && saw('delete', 'b'), 5000, 'watch events');
    assert.equal(informer.get('a', 'default')?.spec?.replicas, 3);
  });

  it('survives a dropped watch connection: it restarts and sees later changes', async () => {
    await informer.start();
    await until(() => server.openWatches() === 1, 5000, 'watching');
    server.dropWatches();
    await until(() => informer.starts() >= 2 && server.openWatches() === 1, 5000, 'restarted');
    server.store.create(deployments, 'default', deployment('after-drop'));
    await until(() => saw('add', 'after-drop'), 5000, 'change after the drop');
  });

  it('re-lists after 410 Gone and reports a deletion that happened while it was not watching', async () => {
    server.store.create(deployments, 'default', deployment('gone-soon'));
    await informer.start();
    await until(() => saw('add', 'gone-soon') && server.openWatches() === 1, 5000, 'watching');
    const lists = () => server.faults.requests.filter((r) => r.path === PATH && !r.isWatch).length;
    const listsBefore = lists();
    const release = server.holdWatches();
    server.endWatches();
    await until(() => server.faults.requests.filter((r) => r.isWatch).length === 2, 5000, 'the client re-watching');
    server.store.delete(deployments, 'default', 'gone-soon');
    server.store.create(deployments, 'default', deployment('new'));
    server.store.compact();
    release();
    await until(() => saw('delete', 'gone-soon') && saw('add', 'new'), 5000, 're-list after 410');
    assert.ok(lists() > listsBefore, 'listed again');
    assert.ok(
      server.faults.requests.some((r) => r.isWatch && r.status === 200),
      'the 410 came as a watch ERROR event',
    );
  });

  it('restarts with backoff when the list fails with 500', async () => {
    server.store.create(deployments, 'default', deployment('a'));
    server.faults.failNext({ path: PATH, method: 'GET', isWatch: false, status: 500, times: 3 });
    assert.equal(informer.isSynced(), false, 'not synced before the first list');
    await informer.start();
    assert.equal(informer.isSynced(), false, 'not synced while the list fails');
    await until(() => saw('add', 'a'), 5000, 'listed after the failures');
    await until(() => informer.isSynced(), 5000, 'synced once a list succeeded');
    assert.ok(informer.starts() >= 4, `started ${informer.starts()} times`);
    assert.deepEqual(
      server.faults.requests
        .filter((r) => r.path === PATH && !r.isWatch)
        .map((r) => r.status)
        .slice(0, 4),
      [500, 500, 500, 200],
    );
  });

  it('re-lists periodically (resync) and replays every object', async () => {
    await informer.stop();
    const kubeConfig = server.kubeConfig();
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    let adds = 0;
    informer = createInformer<V1Deployment>({
      kubeConfig,
      path: PATH,
      list: () => apps.listNamespacedDeployment({ namespace: 'default' }),
      onEvent: (event) => {
        if (event === 'add') adds += 1;
      },
      logger: silentLogger,
      resyncMs: 100,
    });
    server.store.create(deployments, 'default', deployment('a'));
    await informer.start();
    await until(() => adds >= 3, 5000, 'replayed twice');
  });
});
