/**
 * Types of the request-rate autoscaler. The algorithm is the Kubernetes HPA's
 * (`pkg/controller/podautoscaler`), specialised to one pod metric, "requests per second per
 * replica", plus the queue-depth and Prometheus-total metrics read as "total / target per replica".
 */

// The policy and rule shapes are the CRD's (`autoscaling/v2` semantics), defined once in the API.
import type { ScalingRules } from '../api/v1alpha1.js';

export type { ScalingPolicy, ScalingPolicyType as PolicyType, ScalingRules, SelectPolicy } from '../api/v1alpha1.js';

export interface ScalingBehavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** A raw (unstabilized) recommendation and when it was made (ms since the epoch). */
export interface TimestampedRecommendation {
  readonly replicas: number;
  readonly at: number;
}

/** A replica change that was applied, in one direction; `isOutdated` marks a slot for reuse. */
export interface ScaleEvent {
  readonly change: number;
  readonly at: number;
  readonly isOutdated: boolean;
}

/**
 * What the HPA controller keeps in memory per target, kept here by the reconciler per service
 * instead: the recommendation history (stabilization) and the scale events (rate limits).
 */
export interface ScalerState {
  readonly recommendations: readonly TimestampedRecommendation[];
  readonly scaleUpEvents: readonly ScaleEvent[];
  readonly scaleDownEvents: readonly ScaleEvent[];
}

export const emptyScalerState: ScalerState = Object.freeze({
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
});

export const PodPhase = { Pending: 'Pending', Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type PodPhase = (typeof PodPhase)[keyof typeof PodPhase];

/** One pod of the service as the calculator sees it; `rate` is absent when its scrape had no value. */
export interface PodSample {
  readonly name: string;
  readonly phase: PodPhase;
  readonly isReady: boolean;
  readonly isDeleting?: boolean;
  /** Requests per second measured on this pod, or undefined when missing. */
  readonly rate?: number | undefined;
}

/** A rate threshold that implies a floor: at `rate` req/s or more, keep at least `minReplicas`. */
export interface Tier {
  readonly rate: number;
  readonly minReplicas: number;
}

/** Why the decision is what it is; mirrors the HPA condition reasons plus ours. */
export const ScalingReason = {
  Paused: 'Paused',
  MetricUnavailable: 'MetricUnavailable',
  BelowMinimum: 'BelowMinimum',
  AboveMaximum: 'AboveMaximum',
  DesiredWithinRange: 'DesiredWithinRange',
  TooFewReplicas: 'TooFewReplicas',
  TooManyReplicas: 'TooManyReplicas',
  ScaleUpLimit: 'ScaleUpLimit',
  ScaleDownLimit: 'ScaleDownLimit',
} as const;
export type ScalingReason = (typeof ScalingReason)[keyof typeof ScalingReason];
