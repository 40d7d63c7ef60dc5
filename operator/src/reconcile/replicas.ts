/**
 * The scaling step of a reconcile: for each service, the replica count to write, from the
 * current Deployment, its pods' request rates and the per-service scaler state the
 * reconciler keeps between passes. A service without `scaling` stays at `replicas.min`;
 * a missing metric holds the current count (the decision says so, ScalingActive=False).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ScheduledPush, ServiceName, ServiceSpec, WeChatPlatform } from '../api/v1alpha1.js';
import type { ScrapeTarget } from '../metrics/request-rate-source.js';
import { deployedServices } from '../resources/deployed.js';
import { selectorQuery } from '../resources/meta.js';
import { serviceObjectName } from '../resources/names.js';
import type { ScaleDecision } from '../scaling/decide.js';
import { emptyScalerState, type PodPhase, type ScalerState } from '../scaling/scaling.types.js';
import type { PodLike, ReconcilerDeps } from './ports.js';
import { prescaleFloor } from './prescaling.js';

export interface ServiceOutcome {
  readonly service: ServiceName;
  readonly replicas: number;
  /** Absent for a service without scaling or not created yet. */
  readonly decision?: ScaleDecision;
}

export interface ReplicaContext {
  readonly deps: ReconcilerDeps;
  readonly platform: WeChatPlatform;
  readonly owned: ReadonlyMap<string, KubernetesObject>;
  readonly isPaused: boolean;
  readonly states: Map<ServiceName, ScalerState>;
  /**
   * Whether this reconcile scrapes (the scrape clock is due). Between two scrapes a service
   * keeps its last outcome from `previous` (clamped to the current min/max), so a reconcile
   * started by a watch event never measures a rate over the few ms since the last one.
   */
  readonly scrape: boolean;
  readonly previous: ReadonlyMap<ServiceName, ServiceOutcome>;
  /** The pushes the business service announced (`status.scheduledPushes`), pre-scaled for with the annotation's. */
  readonly announced?: readonly ScheduledPush[];
}

const clamp = (n: number, { min, max }: { min: number; max: number }) => Math.min(max, Math.max(min, n));

/** Decides the replicas of every service (one after another: they share the scaler states map). */
export async function decideAllReplicas(ctx: ReplicaContext): Promise<ServiceOutcome[]> {
  const outcomes: ServiceOutcome[] = [];
  for (const service of ctx.deps.services ?? deployedServices()) outcomes.push(await decideService(ctx, service));
  return outcomes;
}

async function decideService(ctx: ReplicaContext, service: ServiceName): Promise<ServiceOutcome> {
  const spec: ServiceSpec = ctx.platform.spec.services[service];
  const deployment = ctx.owned.get(`Deployment/${serviceObjectName(ctx.platform, service)}`) as
    | (KubernetesObject & { spec?: { replicas?: number } })
    | undefined;
  const current = deployment?.spec?.replicas;
  if (current === undefined) return { service, replicas: spec.replicas.min };
  if (spec.scaling === undefined) return { service, replicas: ctx.isPaused ? current : spec.replicas.min };
  const last = ctx.previous.get(service);
  if (!ctx.scrape && last?.decision !== undefined) {
    return { ...last, replicas: ctx.isPaused ? current : clamp(last.replicas, spec.replicas) };
  }
  const pods = await ctx.deps.objects.list<PodLike>(
    'v1',
    'Pod',
    ctx.platform.metadata.namespace,
    selectorQuery(ctx.platform, service),
  );
  const reading = await ctx.deps.rates.read({
    service,
    pods: pods.flatMap((pod) => scrapeTarget(ctx.deps, pod)),
    target: spec.scaling.targetRequestsPerSecondPerReplica,
    namespace: ctx.platform.metadata.namespace,
    metrics: ctx.platform.spec.metrics,
  });
  const queue = spec.scaling.queue;
  const depth =
    queue === undefined || ctx.deps.queueDepth === undefined
      ? undefined
      : await ctx.deps.queueDepth(ctx.platform, queue.name, queue.targetDepthPerReplica);
  const state = ctx.states.get(service) ?? emptyScalerState;
  const now = ctx.deps.clock();
  const floor = prescaleFloor(
    ctx.platform,
    service,
    reading,
    now,
    spec.scaling.targetRequestsPerSecondPerReplica,
    ctx.announced,
  );
  const decision = ctx.deps.decideReplicas(
    {
      now,
      currentReplicas: current,
      minReplicas: spec.replicas.min,
      maxReplicas: spec.replicas.max,
      // Like the HPA with several metrics: the largest proposal wins; a missing one never scales down.
      metrics: depth === undefined ? [reading] : [reading, depth],
      tolerance: spec.scaling.tolerance,
      behavior: { scaleUp: spec.scaling.scaleUp, scaleDown: spec.scaling.scaleDown },
      tiers: (spec.scaling.tiers ?? []).map((t) => ({ rate: t.requestsPerSecond, minReplicas: t.minReplicas })),
      isPaused: ctx.isPaused,
      ...(floor === undefined ? {} : { floor }),
    },
    state,
  );
  ctx.states.set(service, decision.state);
  return { service, replicas: ctx.isPaused ? current : clamp(decision.replicas, spec.replicas), decision };
}

function defaultMetricsUrl(pod: PodLike): string | undefined {
  const ip = pod.status?.podIP;
  if (ip === undefined) return undefined;
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const port = ports.find((p) => p.name === 'http')?.containerPort ?? 8080;
  return `http://${ip}:${port}/metrics`;
}

function scrapeTarget(deps: ReconcilerDeps, pod: PodLike): ScrapeTarget[] {
  const metricsUrl = (deps.metricsUrlOf ?? defaultMetricsUrl)(pod);
  if (metricsUrl === undefined) return [];
  const isReady = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return [
    {
      name: pod.metadata?.name ?? '',
      metricsUrl,
      phase: (pod.status?.phase ?? 'Pending') as PodPhase,
      isReady,
      isDeleting: pod.metadata?.deletionTimestamp !== undefined,
    },
  ];
}
