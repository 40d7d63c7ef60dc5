import assert from 'node:assert/strict';
import type { WeChatPlatform } from '../../src/api/v1alpha1.js';
import { SERVICE_NAMES } from '../../src/api/v1alpha1.js';
import { validateSpec } from '../../src/api/validation.js';
import type { ObjectClient } from '../../src/kube/objects.js';
import { createQueueDepthSource } from '../../src/reconcile/queue-depth.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { createPlatform, type Harness, NAMESPACE, platformSpec, startHarness } from '../support/operator-harness.js';

const deployments = findType('apps', 'v1', 'deployments')!;

function platform(mode: 'statefulSet' | 'external'): WeChatPlatform {
  const rabbitmq = mode === 'external' ? { mode, externalUrlSecret: { name: 'mq', key: 'url' } } : { mode };
  const checked = validateSpec(platformSpec({ rabbitmq }));
  assert.ok(checked.ok, JSON.stringify(checked));
  return { metadata: { name: 'p1', namespace: NAMESPACE, uid: 'u1' }, spec: checked.spec } as unknown as WeChatPlatform;
}

const secretClient = (data: Record<string, string> | undefined): ObjectClient =>
  ({ get: async () => (data === undefined ? undefined : { data }) }) as unknown as ObjectClient;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('queue-depth scaling of the business workers', () => {
  it('reads ready + unacked messages from the platform broker management API with the Secret credentials', async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const source = createQueueDepthSource({
      objects: secretClient({ username: b64('mq'), password: b64('pw') }),
      fetch: async (url, init) => {
        seen.push({ url, authorization: new Headers(init?.headers).get('authorization') });
        return new Response(JSON.stringify({ messages: 420 }), { status: 200 });
      },
    });
    assert.deepEqual(await source(platform('statefulSet'), 'mpstack.inbound.p0', 50), {
      kind: 'total',
      total: 420,
      targetPerReplica: 50,
    });
    assert.equal(seen[0]?.url, `http://p1-rabbitmq.${NAMESPACE}.svc:15672/api/queues/%2F/mpstack.inbound.p0`);
    assert.equal(seen[0]?.authorization, `Basic ${b64('mq:pw')}`);
  });

  it('is unavailable (the decision holds) for an external broker or a Secret without credentials', async () => {
    // A broker that would answer: only the mode or the missing Secret can make the reading unavailable.
    const requests: string[] = [];
    const answering = async (url: string) => {
      requests.push(url);
      return new Response(JSON.stringify({ messages: 1 }), { status: 200 });
    };
    const credentials = { username: b64('mq'), password: b64('pw') };
    const external = createQueueDepthSource({ objects: secretClient(credentials), fetch: answering });
    assert.equal((await external(platform('external'), 'q', 10)).kind, 'unavailable');
    const noSecret = createQueueDepthSource({ objects: secretClient(undefined), fetch: answering });
    assert.equal((await noSecret(platform('statefulSet'), 'q', 10)).kind, 'unavailable');
    assert.deepEqual(requests, [], 'no request was made');
  });

  describe('in the reconciler', () => {
    let h: Harness;
    let depth = 0;
    beforeEach(async () => {
      h = await startHarness({
        // The business workers are not runnable in this build yet; their scaling is tested as if they were.
        services: SERVICE_NAMES,
        queueDepth: async (_platform, _queue, targetPerReplica) => ({ kind: 'total', total: depth, targetPerReplica }),
      });
    });
    afterEach(async () => h.close());

    it('scales the workers on the deeper of queue depth and request rate', async () => {
      const services = {
        'business-worker': {
          replicas: { min: 1, max: 10 },
          scaling: {
            targetRequestsPerSecondPerReplica: 100,
            queue: { name: 'mpstack.inbound.p0', targetDepthPerReplica: 100 },
          },
        },
      };
      createPlatform(h.server, 'p1', platformSpec({ services }));
      await h.reconciler.reconcile(NAMESPACE, 'p1');
      h.rates.readings.set('business-worker', { kind: 'total', total: 100, targetPerReplica: 100 });
      depth = 400;
      await h.reconciler.reconcile(NAMESPACE, 'p1');
      const replicas = () =>
        (h.server.store.get(deployments, NAMESPACE, 'p1-business-worker')['spec'] as { replicas: number }).replicas;
      assert.equal(replicas(), 4, '400 queued messages at 100 per worker outweigh 100 req/s');
    });
  });
});
