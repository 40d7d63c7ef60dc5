import { DEFAULT_TOLERANCE } from '../api/defaults.js';
import type { PodSample } from './scaling.types.js';

/** The HPA's default: no change while the usage ratio is within 10 % of 1. */
export const defaultTolerance = DEFAULT_TOLERANCE;

export type Proposal =
  | { readonly ok: true; readonly replicas: number; readonly perReplica: number; readonly total: number }
  | { readonly ok: false; readonly error: string };

export interface PodRateInput {
  readonly currentReplicas: number;
  readonly pods: readonly PodSample[];
  /** Target requests per second per replica. */
  readonly target: number;
  readonly tolerance?: number;
}

interface PodGroups {
  readonly ready: Map<string, number>;
  readonly ignored: Set<string>;
  readonly missing: Set<string>;
}

/**
 * Sorts pods the way `groupPods` does: deleting and failed pods do not count at all, pending
 * and unready pods are ignored (a pod that is starting serves no traffic yet, so its rate says
 * nothing about load), pods without a value are missing.
 */
function groupPods(pods: readonly PodSample[]): PodGroups {
  const ready = new Map<string, number>();
  const ignored = new Set<string>();
  const missing = new Set<string>();
  for (const pod of pods) {
    if (pod.isDeleting === true || pod.phase === 'Failed') continue;
    if (pod.phase === 'Pending') ignored.add(pod.name);
    else if (pod.rate === undefined || !Number.isFinite(pod.rate)) missing.add(pod.name);
    else if (!pod.isReady) ignored.add(pod.name);
    else ready.set(pod.name, pod.rate);
  }
  return { ready, ignored, missing };
}

function average(values: Iterable<number>): { readonly mean: number; readonly count: number; readonly sum: number } {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    sum += value;
    count++;
  }
  return { mean: count === 0 ? 0 : sum / count, count, sum };
}

/**
 * Desired replicas from per-pod request rates: a port of `calcPlainMetricReplicas` (and the
 * ready-pod rules of `GetResourceReplicas`) in `replica_calculator.go`.
 *
 * - ratio = mean rate of ready pods / target; within tolerance → current count;
 * - with missing pods: on a scale-down they count as exactly the target, on a scale-up as 0;
 * - on a scale-up, ignored (unready, pending) pods count as 0;
 * - the ratio is recomputed; if it is now within tolerance, or the direction flipped, or the
 *   result would move the other way → current count.
 * No ready pod with a value is an error: the caller holds.
 */
export function replicasFromPodRates(input: PodRateInput): Proposal {
  const tolerance = input.tolerance ?? defaultTolerance;
  const { ready, ignored, missing } = groupPods(input.pods);
  if (ready.size === 0) return { ok: false, error: 'did not receive metrics for any ready pods' };
  const observed = average(ready.values());
  const ratio = observed.mean / input.target;
  const keep = { ok: true, replicas: input.currentReplicas, perReplica: observed.mean, total: observed.sum } as const;
  const rebalanceIgnored = ignored.size > 0 && ratio > 1;
  if (!rebalanceIgnored && missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return keep;
    return { ...keep, replicas: Math.ceil(ratio * observed.count) };
  }
  const replicas = rebalanced({ ready, ignored, missing }, ratio, rebalanceIgnored, input, tolerance);
  return replicas === undefined ? keep : { ...keep, replicas };
}

/**
 * The second pass of the upstream rule: fill in missing pods (target on a scale-down, 0 on a
 * scale-up; at exactly 1.0 they are left out, as in the resource path) and, on a scale-up,
 * ignored pods as 0; undefined means "keep the current count".
 */
function rebalanced(
  groups: PodGroups,
  ratio: number,
  rebalanceIgnored: boolean,
  input: PodRateInput,
  tolerance: number,
): number | undefined {
  const filled = [...groups.ready.values()];
  if (ratio < 1) for (const _ of groups.missing) filled.push(input.target);
  else if (ratio > 1) for (const _ of groups.missing) filled.push(0);
  if (rebalanceIgnored) for (const _ of groups.ignored) filled.push(0);
  const recomputed = average(filled).mean / input.target;
  const flipped = (ratio < 1 && recomputed > 1) || (ratio > 1 && recomputed < 1);
  if (Math.abs(1 - recomputed) <= tolerance || flipped) return undefined;
  const replicas = Math.ceil(recomputed * filled.length);
  const wrongWay =
    (recomputed < 1 && replicas > input.currentReplicas) || (recomputed > 1 && replicas < input.currentReplicas);
  return wrongWay ? undefined : replicas;
}

export interface TotalInput {
  /** Replicas the total is spread over (the scale status, as upstream). */
  readonly currentReplicas: number;
  /** The service-wide value: a Prometheus `sum(rate(...))` or a queue depth. */
  readonly total: number;
  readonly targetPerReplica: number;
  readonly tolerance?: number;
}

/**
 * Desired replicas from one service-wide value and a per-replica target: a port of
 * `GetExternalPerPodMetricReplicas` (average-value external metrics). Used for the Prometheus
 * URL source (total request rate) and for workers on queue depth (ready + unacknowledged).
 */
export function replicasFromTotal(input: TotalInput): Proposal {
  const tolerance = input.tolerance ?? defaultTolerance;
  if (!Number.isFinite(input.total) || input.total < 0) return { ok: false, error: 'invalid total' };
  const current = Math.max(input.currentReplicas, 0);
  const perReplica = current === 0 ? input.total : input.total / current;
  const ratio = current === 0 ? Number.POSITIVE_INFINITY : input.total / (input.targetPerReplica * current);
  const replicas = Math.abs(1 - ratio) > tolerance ? Math.ceil(input.total / input.targetPerReplica) : current;
  return { ok: true, replicas, perReplica, total: input.total };
}
