import assert from 'node:assert/strict';
import { silentLogger } from '../../src/kube/logger.js';
import { type RunningOperator, runOperator } from '../../src/main.js';
import type { MysqlControl, MysqlRound } from '../../src/reconcile/mysql-port.js';
import { findType } from '../support/fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from '../support/fake-apiserver/server.js';
import { type SimulatedController, startSimulatedController } from '../support/fake-apiserver/simulated-controller.js';
import { type MetricsPods, type PerPodRate, startMetricsPods } from '../support/metrics-pods.js';
import { createPlatform, NAMESPACE, platformSpec } from '../support/operator-harness.js';
import { quiescence, VirtualClock } from '../support/virtual-clock.js';

const pods = findType('', 'v1', 'pods')!;
const deployments = findType('apps', 'v1', 'deployments')!;
const START = Date.parse('2025-01-01T00:00:00Z');
const MINUTES = 5;

/** A MySQL round that always finds the same healthy pair, counting rounds and why they ran. */
function stableMysql(): MysqlControl & { readonly rounds: MysqlRound[] } {
  const rounds: MysqlRound[] = [];
  const state = { writer: 'p1-mysql-0', lastFailoverAt: null, failures: {}, fenced: [] };
  return {
    rounds,
    async step(_platform, _pods, _recorded, round) {
      rounds.push(round);
      return {
        state,
        writer: state.writer,
        events: [],
        conditions: [
          { type: 'MySQLAvailable', status: 'True', reason: 'WriterReady', message: 'p1-mysql-0 is the writer' },
        ],
      };
    },
  };
}

interface WiredRun {
  readonly server: FakeApiServer;
  readonly clock: VirtualClock;
  readonly metrics: MetricsPods;
  readonly mysql: ReturnType<typeof stableMysql>;
  readonly maxReplicas: () => number;
  run(untilMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real `runOperator` (informers, work queue, reconciler, its timers on a virtual clock),
 * the real pod-scrape rate source reading pods that serve /metrics on loopback, the
 * API-server double with its simulated workload controller.
 */
async function startWired(rate: PerPodRate, spec: Record<string, unknown>): Promise<WiredRun> {
  const server = await startFakeApiServer();
  const clock = new VirtualClock(START);
  const ingressPods = () =>
    server.store.list(pods, NAMESPACE, 'app.kubernetes.io/component=ingress', null).map((p) => p.metadata.name ?? '');
  const metrics = await startMetricsPods({ start: START, rate, isLoaded: () => true, livePods: ingressPods });
  const controller: SimulatedController = startSimulatedController(server.store, 1, metrics);
  let maxReplicas = 0;
  const unsubscribe = server.store.subscribe((event) => {
    if (event.object.kind !== 'Deployment' || event.object.metadata.name !== 'p1-ingress') return;
    maxReplicas = Math.max(maxReplicas, (event.object['spec'] as { replicas?: number }).replicas ?? 0);
  });
  const mysql = stableMysql();
  createPlatform(server, 'p1', spec);
  const operator: RunningOperator = await runOperator({
    kubeConfig: server.kubeConfig(NAMESPACE),
    namespaces: [NAMESPACE],
    clock: clock.now,
    timers: clock,
    logger: silentLogger,
    mysql,
    resyncMs: 0,
  });
  const settle = () => quiescence(() => operator.pending() === 0);
  return {
    server,
    clock,
    metrics,
    mysql,
    maxReplicas: () => maxReplicas,
    run: (untilMs) => clock.advanceTo(untilMs, settle, (now) => metrics.advance(now)),
    async close() {
      await operator.close();
      unsubscribe();
      controller.stop();
      await metrics.close();
      await server.close();
    },
  };
}

const spec = platformSpec({
  metrics: { scrapeIntervalSeconds: 15 },
  mysql: { failover: { probeIntervalSeconds: 2 } },
});

describe('the wired operator for simulated minutes (real runOperator, virtual timers, pods serving /metrics)', function () {
  this.timeout(180_000);
  let wired: WiredRun;
  afterEach(async () => wired?.close());

  it(`bounds reconciles, status writes, scrapes and MySQL rounds over ${MINUTES} minutes, and 95 req/s per pod against 100 never scales up`, async () => {
    wired = await startWired(() => 95, spec);
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
    wired = await startWired(() => 50, spec);
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
