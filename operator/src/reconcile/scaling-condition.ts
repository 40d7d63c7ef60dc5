/**
 * The ScalingActive condition from the per-service decisions: False/Paused while paused,
 * False/MetricUnavailable (naming the services) when any service's metric is missing and its
 * count is held, True otherwise.
 */
import { CONDITION_TYPES } from '../api/v1alpha1.js';
import { ScalingReason } from '../scaling/scaling.types.js';
import type { ConditionUpdate } from './conditions.js';
import type { ServiceOutcome } from './replicas.js';

export function scalingCondition(outcomes: readonly ServiceOutcome[], isPaused: boolean): ConditionUpdate {
  const type = CONDITION_TYPES.scalingActive;
  if (isPaused)
    return { type, status: 'False', reason: 'Paused', message: 'the platform is paused: nothing is changed' };
  const missing = outcomes.filter((o) => o.decision?.reason === ScalingReason.MetricUnavailable);
  if (missing.length > 0) {
    const detail = missing.map((o) => `${o.service} (${o.decision?.message ?? ''})`).join('; ');
    return {
      type,
      status: 'False',
      reason: 'MetricUnavailable',
      message: `replicas held, metric missing for ${detail}`,
    };
  }
  return { type, status: 'True', reason: 'ValidMetric', message: 'request rates are measured' };
}
