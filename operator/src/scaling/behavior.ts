import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../api/defaults.js';
import {
  type ScaleEvent,
  type ScalerState,
  type ScalingBehavior,
  ScalingReason,
  type ScalingRules,
  type TimestampedRecommendation,
} from './scaling.types.js';

/** `autoscaling/v2` defaults (one table with the CRD's, `api/defaults.ts`). */
export const defaultScaleUpRules: ScalingRules = DEFAULT_SCALE_UP;
export const defaultScaleDownRules: ScalingRules = DEFAULT_SCALE_DOWN;

export const defaultBehavior: ScalingBehavior = Object.freeze({
  scaleUp: defaultScaleUpRules,
  scaleDown: defaultScaleDownRules,
});

export interface Stabilized {
  readonly replicas: number;
  readonly recommendations: readonly TimestampedRecommendation[];
}

/**
 * Port of `stabilizeRecommendationWithBehaviors`: the result stays between the lowest
 * recommendation of the scale-up window and the highest of the scale-down window, starting
 * from the current count, so a dip never scales down before the down window has seen only
 * lower values, and (with an up window) a blip never scales up. The raw recommendation is
 * recorded, reusing a slot older than both windows.
 */
export function stabilizeRecommendation(
  recommendations: readonly TimestampedRecommendation[],
  args: {
    readonly now: number;
    readonly current: number;
    readonly desired: number;
    readonly behavior: ScalingBehavior;
  },
): Stabilized {
  const { now, current, desired, behavior } = args;
  const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desired;
  let down = desired;
  let oldIndex = -1;
  recommendations.forEach((rec, index) => {
    if (rec.at > upCutoff) up = Math.min(rec.replicas, up);
    if (rec.at > downCutoff) down = Math.max(rec.replicas, down);
    if (rec.at < upCutoff && rec.at < downCutoff) oldIndex = index;
  });
  const replicas = Math.min(Math.max(current, up), down);
  const entry = { replicas: desired, at: now };
  const next =
    oldIndex >= 0
      ? recommendations.map((rec, index) => (index === oldIndex ? entry : rec))
      : [...recommendations, entry];
  return { replicas, recommendations: next };
}

/** Port of `getReplicasChangePerPeriod`: the replicas changed in one direction within the period. */
export function replicasChangedWithin(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, event) => (event.at > cutoff ? sum + event.change : sum), 0);
}

interface LimitArgs {
  readonly current: number;
  readonly rules: ScalingRules;
  readonly upEvents: readonly ScaleEvent[];
  readonly downEvents: readonly ScaleEvent[];
  readonly now: number;
}

/** Port of `calculateScaleUpLimitWithScalingRules`: the most replicas the policies allow now. */
export function scaleUpLimit({ current, rules, upEvents, downEvents, now }: LimitArgs): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result: number | undefined;
  for (const policy of rules.policies) {
    const periodStart =
      current -
      replicasChangedWithin(policy.periodSeconds, upEvents, now) +
      replicasChangedWithin(policy.periodSeconds, downEvents, now);
    const proposed =
      policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
    result = result === undefined ? proposed : pick(result, proposed);
  }
  return result ?? 0;
}

/** Port of `calculateScaleDownLimitWithBehaviors`: the fewest replicas the policies allow now. */
export function scaleDownLimit({ current, rules, upEvents, downEvents, now }: LimitArgs): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const periodStart =
      current -
      replicasChangedWithin(policy.periodSeconds, upEvents, now) +
      replicasChangedWithin(policy.periodSeconds, downEvents, now);
    const proposed =
      policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

export interface RateLimited {
  readonly replicas: number;
  readonly reason: ScalingReason;
}

/** Port of `convertDesiredReplicasWithBehaviorRate`: clamp to [min, max] and to the rate policies. */
export function limitByRate(
  state: ScalerState,
  args: {
    readonly now: number;
    readonly current: number;
    readonly desired: number;
    readonly min: number;
    readonly max: number;
    readonly behavior: ScalingBehavior;
  },
): RateLimited {
  const { now, current, desired, min, max, behavior } = args;
  const events = { upEvents: state.scaleUpEvents, downEvents: state.scaleDownEvents, now, current };
  if (desired > current) {
    const limit = Math.max(scaleUpLimit({ ...events, rules: behavior.scaleUp }), current);
    const allowed = Math.min(max, limit);
    const reason = max > limit ? ScalingReason.ScaleUpLimit : ScalingReason.TooManyReplicas;
    if (desired > allowed) return { replicas: allowed, reason };
  } else if (desired < current) {
    const limit = Math.min(scaleDownLimit({ ...events, rules: behavior.scaleDown }), current);
    const allowed = Math.max(min, limit);
    const reason = min < limit ? ScalingReason.ScaleDownLimit : ScalingReason.TooFewReplicas;
    if (desired < allowed) return { replicas: allowed, reason };
  }
  return { replicas: desired, reason: ScalingReason.DesiredWithinRange };
}

function longestPeriod(rules: ScalingRules): number {
  return rules.policies.reduce((longest, policy) => Math.max(longest, policy.periodSeconds), 0);
}

function storeEvent(events: readonly ScaleEvent[], change: number, now: number, periodSeconds: number): ScaleEvent[] {
  const cutoff = now - periodSeconds * 1000;
  const marked = events.map((event) => (event.at < cutoff ? { ...event, isOutdated: true } : event));
  let reuse = -1;
  marked.forEach((event, index) => {
    if (event.isOutdated) reuse = index;
  });
  const entry = { change, at: now, isOutdated: false };
  if (reuse < 0) return [...marked, entry];
  marked[reuse] = entry;
  return marked;
}

/** Port of `storeScaleEvent`: remembers an applied change so the rate policies can count it. */
export function recordScaleEvent(
  state: ScalerState,
  args: { readonly now: number; readonly from: number; readonly to: number; readonly behavior: ScalingBehavior },
): ScalerState {
  const { now, from, to, behavior } = args;
  if (to > from) {
    const events = storeEvent(state.scaleUpEvents, to - from, now, longestPeriod(behavior.scaleUp));
    return { ...state, scaleUpEvents: events };
  }
  if (to < from) {
    const events = storeEvent(state.scaleDownEvents, from - to, now, longestPeriod(behavior.scaleDown));
    return { ...state, scaleDownEvents: events };
  }
  return state;
}
