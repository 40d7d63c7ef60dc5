import assert from 'node:assert/strict';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { NAMESPACE, platformSpec } from '../support/operator-harness.js';
import { quiescence } from '../support/virtual-clock.js';
import { startWired, type WiredRun } from '../support/wired-operator.js';

const pods = findType('', 'v1', 'pods')!;
const deployments = findType('apps', 'v1', 'deployments')!;
const START = Date.parse('2025-01-01T00:00:00Z');
const MINUTES = 5;

const spec = platformSpec({
  metrics: { scrapeIntervalSeconds: 15 },
  mysql: { failover: { probeIntervalSeconds: 2 } },
});

describe('the wired operator for simulated minutes (real runOperator, virtual timers, pods serving /metrics)', function () {
  this.timeout(180_000);
  let wired: WiredRun;
  afterEach(async () => wired?.close());

  it(`bounds reconciles, status writes, scrapes and MySQL rounds over ${MINUTES} minutes, and 95 req/s per pod against 100 never scales up`, async () => {
    wired = await startWired({ start: START, rate: () => 95, spec });
    await wired.run(START + MINUTES * 60_000);
    const requests = wired.server.faults.requests;
    const reconciles = requests.filter(
      (r) => r.method === 'GET' && !r.isWatch && r.path.endsWith('/wechatplatforms/p1'),
    ).length;
    const statusWrites = requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/p1/status')).length;
    const probeRounds = wired.mysql.rounds.filter((r) => r.countsAsProbe).length;
    const seconds = MINUTES * 60;
    const figures = `reconciles ${reconciles}, status writes ${statusWrites}, probe rounds ${probeRounds}, scrapes ${wired.metrics.scrapes()}`;
    // One probe tick every 2 s drives a reconcile; a handful more come from the platform's own objects appearing.
    assert.ok(probeRounds >= seconds / 2 - 2 && probeRounds <= seconds / 2 + 1, figures);
    assert.ok(reconciles <= seconds / 2 + 20, figures);
    // Two pods scraped once per 15 s tick (+ the first reading when the Deployment appears).
    assert.ok(wired.metrics.scrapes() <= 2 * (seconds / 15 + 2), figures);
    assert.ok(wired.metrics.scrapes() >= 2 * (seconds / 15 - 2), figures);
    assert.ok(statusWrites <= 8, `status written only when its meaning changes: ${figures}`);
    assert.equal(wired.maxReplicas(), 2, `steady 95 req/s per pod, target 100: no scale-up (${figures})`);
    const ingress = wired.server.store.get(deployments, NAMESPACE, 'p1-ingress');
    assert.equal((ingress['spec'] as { replicas: number }).replicas, 2);
  });

  it('a MySQL pod turning NotReady runs one round at once, between probe ticks, that is not counted as a probe', async () => {
    wired = await startWired({ start: START, rate: () => 50, spec });
    await wired.run(START + 60_000);
    const before = wired.mysql.rounds.length;
    const pod = wired.server.store.get(pods, NAMESPACE, 'p1-mysql-1');
    // 1 s after the last tick, 1 s before the next one.
    await wired.run(START + 61_000);
    const at = wired.mysql.rounds.length;
    wired.server.store.update(
      pods,
      NAMESPACE,
      'p1-mysql-1',
      { ...pod, status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'False' }] } },
      'status',
    );
    await quiescence(() => wired.mysql.rounds.length > at, 0, 5_000);
    assert.deepEqual(wired.mysql.rounds.slice(at), [{ countsAsProbe: false }], 'one uncounted round, at once');
    assert.equal(wired.clock.now(), START + 61_000, 'no virtual time passed: the Pod event, not a timer');
    await wired.run(START + 70_000);
    const counted = wired.mysql.rounds.slice(before).filter((r) => r.countsAsProbe).length;
    assert.equal(counted, 5, 'the probe clock kept its 2 s schedule (60→70 s)');
  });
});
