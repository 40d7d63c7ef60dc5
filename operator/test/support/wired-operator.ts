/**
 * The operator wired as a cluster runs it, for simulated minutes: the real `runOperator`
 * (informers, work queue, reconciler; its timers on a {@link VirtualClock}), the real
 * pod-scrape rate source reading pods that serve `/metrics` on loopback
 * ({@link startMetricsPods}), the API-server double and its simulated workload controller
 * (pods start `podStartMs` of virtual time after their workload changes). Used by the wired
 * test and by `make bench-scaling`.
 */
import { silentLogger } from '../../src/kube/logger.js';
import { type RunningOperator, runOperator } from '../../src/main.js';
import type { MysqlControl, MysqlRound } from '../../src/reconcile/mysql-port.js';
import { findType } from './fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from './fake-apiserver/server.js';
import { startSimulatedController } from './fake-apiserver/simulated-controller.js';
import { type MetricsPods, type PerPodRate, startMetricsPods } from './metrics-pods.js';
import { createPlatform, NAMESPACE } from './operator-harness.js';
import { quiescence, VirtualClock } from './virtual-clock.js';

const pods = findType('', 'v1', 'pods');
const deployments = findType('apps', 'v1', 'deployments');

/** A MySQL round that always finds the same healthy pair, counting rounds and why they ran. */
export function stableMysql(): MysqlControl & { readonly rounds: MysqlRound[] } {
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

export interface WiredOptions {
  readonly start: number;
  /** Per-pod request rate of the `ingress` service's pods. */
  readonly rate: PerPodRate;
  /** The spec of the platform `p1` in `default`. */
  readonly spec: Record<string, unknown>;
  readonly annotations?: Record<string, string>;
  readonly podStartMs?: number;
}

export interface WiredRun {
  readonly server: FakeApiServer;
  readonly clock: VirtualClock;
  readonly metrics: MetricsPods;
  readonly mysql: ReturnType<typeof stableMysql>;
  /** The most replicas the ingress Deployment ever asked for. */
  readonly maxReplicas: () => number;
  /** The ingress Deployment's replicas now, and its live pods. */
  readonly ingress: () => { readonly desired: number; readonly pods: number };
  /** Runs the virtual clock to `untilMs`; `onStep` sees every time it stops at. */
  run(untilMs: number, onStep?: (now: number) => void): Promise<void>;
  close(): Promise<void>;
}

export async function startWired(options: WiredOptions): Promise<WiredRun> {
  if (pods === undefined || deployments === undefined) throw new Error('the double serves pods and deployments');
  const server = await startFakeApiServer();
  const clock = new VirtualClock(options.start);
  const ingressPods = () =>
    server.store.list(pods, NAMESPACE, 'app.kubernetes.io/component=ingress', null).map((p) => p.metadata.name ?? '');
  const metrics = await startMetricsPods({ start: options.start, rate: options.rate, livePods: ingressPods });
  const controller = startSimulatedController(server.store, options.podStartMs ?? 1, metrics, clock);
  let maxReplicas = 0;
  const unsubscribe = server.store.subscribe((event) => {
    if (event.object.kind !== 'Deployment' || event.object.metadata.name !== 'p1-ingress') return;
    maxReplicas = Math.max(maxReplicas, (event.object['spec'] as { replicas?: number }).replicas ?? 0);
  });
  const mysql = stableMysql();
  createPlatform(server, 'p1', options.spec, options.annotations);
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
    ingress: () => {
      const found = server.store.list(deployments, NAMESPACE, null, null).find((d) => d.metadata.name === 'p1-ingress');
      return {
        desired: (found?.['spec'] as { replicas?: number } | undefined)?.replicas ?? 0,
        pods: ingressPods().length,
      };
    },
    run: (untilMs, onStep) =>
      clock.advanceTo(untilMs, settle, (now) => {
        metrics.advance(now);
        onStep?.(now);
      }),
    async close() {
      await operator.close();
      unsubscribe();
      controller.stop();
      await metrics.close();
      await server.close();
    },
  };
}
