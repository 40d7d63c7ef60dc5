import { defaultBehavior, limitByRate, recordScaleEvent, stabilizeRecommendation } from './behavior.js';
import { type Proposal, replicasFromPodRates, replicasFromTotal } from './replica-calculator.js';
import { type PodSample, type ScalerState, type ScalingBehavior, ScalingReason, type Tier } from './scaling.types.js';
import { minimumFromTiers } from './tiers.js';

/** One metric reading for a service, already parsed at the edge. */
export type MetricReading =
  /** Per-pod request rates (from each pod's `/metrics`) and the per-replica target. */
  | { readonly kind: 'podRates'; readonly pods: readonly PodSample[]; readonly target: number }
  /** A service-wide value (Prometheus total rate, queue depth) and the per-replica target. */
  | { readonly kind: 'total'; readonly total: number; readonly targetPerReplica: number }
  /** The scrape or query failed, or the value is stale. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface ScaleInput {
  /** The injected clock's reading, ms since the epoch. */
  readonly now: number;
  readonly currentReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: readonly MetricReading[];
  readonly tolerance?: number;
  readonly behavior?: ScalingBehavior;
  readonly tiers?: readonly Tier[];
  /** A floor from pre-scaling (announced pushes); raises the minimum while it applies. */
  readonly floor?: number;
  readonly isPaused?: boolean;
}

export interface ScaleDecision {
  readonly replicas: number;
  /** The state to keep for the next decision of this service. */
  readonly state: ScalerState;
  readonly reason: ScalingReason;
  readonly message: string;
  /** False while paused or while the metric is unavailable (the ScalingActive condition). */
  readonly isScalingActive: boolean;
  /** The minimum after tiers and pre-scaling. */
  readonly effectiveMin: number;
  /** What the metrics alone asked for, before stabilization and limits. */
  readonly metricDesired?: number;
  /** Observed service-wide request rate (or queue depth), when a metric was valid. */
  readonly observed?: number;
  readonly perReplica?: number;
}

function propose(metric: MetricReading, current: number, tolerance: number | undefined): Proposal {
  const tol = tolerance === undefined ? {} : { tolerance };
  if (metric.kind === 'podRates') {
    return replicasFromPodRates({ currentReplicas: current, pods: metric.pods, target: metric.target, ...tol });
  }
  if (metric.kind === 'total') {
    return replicasFromTotal({
      currentReplicas: current,
      total: metric.total,
      targetPerReplica: metric.targetPerReplica,
      ...tol,
    });
  }
  return { ok: false, error: metric.reason };
}

type Valid = Extract<Proposal, { ok: true }>;

function hold(input: ScaleInput, state: ScalerState, reason: ScalingReason, message: string, effectiveMin: number) {
  return { replicas: input.currentReplicas, state, reason, message, isScalingActive: false, effectiveMin };
}

/**
 * One autoscaling decision, as `reconcileAutoscaler` makes it: out-of-range counts are brought
 * into range first; otherwise the metric proposal (the largest over metrics) is stabilized and
 * rate-limited. A missing metric HOLDS the current count (reason MetricUnavailable) — a failed
 * scrape must never look like zero load and scale a busy service to its minimum. As upstream,
 * when one metric is missing the others may still scale up, never down.
 */
export function decideReplicas(input: ScaleInput, state: ScalerState): ScaleDecision {
  const { now, currentReplicas: current, maxReplicas: max } = input;
  const behavior = input.behavior ?? defaultBehavior;
  if (input.isPaused === true) {
    return hold(input, state, ScalingReason.Paused, 'scaling is paused', Math.min(input.minReplicas, max));
  }
  const proposals = input.metrics.map((metric) => propose(metric, current, input.tolerance));
  const valid = proposals.filter((p): p is Valid => p.ok);
  const errors = proposals.flatMap((p) => (p.ok ? [] : [p.error]));
  const observed = valid.length === 0 ? undefined : Math.max(...valid.map((p) => p.total));
  const floor = Math.max(input.minReplicas, minimumFromTiers(input.tiers, observed), input.floor ?? 0);
  const effectiveMin = Math.min(floor, max);
  const measured = observed === undefined ? {} : { observed, perReplica: valid[0]?.perReplica ?? 0 };
  const rescale = (replicas: number, reason: ScalingReason, message: string): ScaleDecision => ({
    replicas,
    state: recordScaleEvent(state, { now, from: current, to: replicas, behavior }),
    reason,
    message,
    isScalingActive: valid.length > 0,
    effectiveMin,
    ...measured,
  });
  if (current > max) return rescale(max, ScalingReason.AboveMaximum, `current replicas above the maximum ${max}`);
  if (current < effectiveMin) {
    return rescale(effectiveMin, ScalingReason.BelowMinimum, `current replicas below the minimum ${effectiveMin}`);
  }
  if (valid.length === 0 || input.metrics.length === 0) {
    const why = errors.join('; ') || 'no metric';
    return hold(input, state, ScalingReason.MetricUnavailable, `holding ${current} replicas: ${why}`, effectiveMin);
  }
  const metricDesired = Math.max(...valid.map((p) => p.replicas));
  if (errors.length > 0 && metricDesired <= current) {
    const message = `holding ${current} replicas: ${errors.join('; ')}`;
    return {
      ...hold(input, state, ScalingReason.MetricUnavailable, message, effectiveMin),
      ...measured,
      metricDesired,
    };
  }
  const stabilized = stabilizeRecommendation(state.recommendations, { now, current, desired: metricDesired, behavior });
  const withHistory = { ...state, recommendations: stabilized.recommendations };
  const limited = limitByRate(withHistory, {
    now,
    current,
    desired: stabilized.replicas,
    min: effectiveMin,
    max,
    behavior,
  });
  return {
    replicas: limited.replicas,
    state: recordScaleEvent(withHistory, { now, from: current, to: limited.replicas, behavior }),
    reason: limited.reason,
    message: `metric asks for ${metricDesired}, stabilized ${stabilized.replicas}, allowed ${limited.replicas}`,
    isScalingActive: true,
    effectiveMin,
    metricDesired,
    ...measured,
  };
}
