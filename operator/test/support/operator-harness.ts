/**
 * A reconciler wired to the fake API server with the REAL `@kubernetes/client-node`, real
 * resources, validation and scaling, and a fake request-rate source the test controls.
 */
import { API_VERSION, KIND } from '../../src/api/v1alpha1.js';
import { validateSpec } from '../../src/api/validation.js';
import { createEventRecorder } from '../../src/kube/events.js';
import { silentLogger } from '../../src/kube/logger.js';
import { createObjectClient, type ObjectClient } from '../../src/kube/objects.js';
import type { RunOperatorOptions } from '../../src/main.js';
import type { RequestRateSource } from '../../src/metrics/request-rate-source.js';
import type { ReconcilerDeps } from '../../src/reconcile/ports.js';
import { Reconciler } from '../../src/reconcile/reconciler.js';
import { desiredResources } from '../../src/resources/desired.js';
import type { MetricReading } from '../../src/scaling/decide.js';
import { decideReplicas } from '../../src/scaling/decide.js';
import { withCrdDefaults } from './fake-apiserver/admission.js';
import { findType } from './fake-apiserver/resource-types.js';
import { type FakeApiServer, startFakeApiServer } from './fake-apiserver/server.js';
import type { StoredObject } from './fake-apiserver/store.js';

export const NAMESPACE = 'default';

/** A fake rate source: whatever reading the test sets, per service. */
export class FakeRates implements RequestRateSource {
  readonly readings = new Map<string, MetricReading>();
  fallback: MetricReading = { kind: 'total', total: 0, targetPerReplica: 100 };
  /** How many reads (scrapes) were asked for. */
  reads = 0;
  async read({ service }: { service: string }): Promise<MetricReading> {
    this.reads += 1;
    return this.readings.get(service) ?? this.fallback;
  }
}

export interface Harness {
  readonly server: FakeApiServer;
  readonly objects: ObjectClient;
  readonly reconciler: Reconciler;
  readonly rates: FakeRates;
  readonly clock: { now: number };
  close(): Promise<void>;
}

/** `overrides` replace or add reconciler dependencies (a queue-depth source, a MySQL control…). */
export async function startHarness(overrides: Partial<ReconcilerDeps> = {}): Promise<Harness> {
  const server = await startFakeApiServer();
  const kubeConfig = server.kubeConfig(NAMESPACE);
  const objects = createObjectClient(kubeConfig, 'mpstack-operator');
  const rates = new FakeRates();
  const clock = { now: Date.parse('2025-01-01T00:00:00Z') };
  const now = () => clock.now;
  const reconciler = new Reconciler({
    objects,
    events: createEventRecorder({ kubeConfig, component: 'mpstack-operator', clock: now, logger: silentLogger }),
    rates,
    desiredResources,
    decideReplicas,
    validateSpec,
    clock: now,
    logger: silentLogger,
    ...overrides,
  });
  return { server, objects, reconciler, rates, clock, close: () => server.close() };
}

export const platformType = findType('mpstack.io', 'v1alpha1', 'wechatplatforms') as NonNullable<
  ReturnType<typeof findType>
>;

/** A valid minimal spec; the ingress service scales on request rate (target 100/s per replica). */
export function platformSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    image: 'mpstack/mpstack:0.1.0',
    ingress: { host: 'wx.example.com' },
    redis: { urlSecret: { name: 'mpstack-redis', key: 'url' } },
    services: { ingress: { replicas: { min: 2, max: 10 }, scaling: { targetRequestsPerSecondPerReplica: 100 } } },
    ...overrides,
  };
}

/** What every `runOperator` test passes: the fake API server, silent logs, scripted rates. */
export function operatorOptions(server: FakeApiServer, extra: Partial<RunOperatorOptions> = {}): RunOperatorOptions {
  return {
    kubeConfig: server.kubeConfig(NAMESPACE),
    namespaces: [NAMESPACE],
    clock: Date.now,
    logger: silentLogger,
    rates: new FakeRates(),
    ...extra,
  };
}

/** Creates a platform straight in the fake store (not through the client under test), with the CRD's defaults; invalid specs too. */
export function createPlatform(
  server: FakeApiServer,
  name: string,
  spec: unknown,
  annotations?: Record<string, string>,
): StoredObject {
  return server.store.create(
    platformType,
    NAMESPACE,
    withCrdDefaults({
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, ...(annotations === undefined ? {} : { annotations }) },
      spec,
    }),
  );
}

export function readPlatform(server: FakeApiServer, name: string): StoredObject {
  return server.store.get(platformType, NAMESPACE, name);
}
