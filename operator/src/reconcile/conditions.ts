/**
 * metav1.Condition bookkeeping: `lastTransitionTime` moves only when a condition's status
 * changes (a new reason or message with the same status keeps the time), and conditions
 * not in the update (e.g. the MySQL ones when no MySQL round ran) are kept as they are.
 */
import type { Condition, ConditionStatus, ConditionType } from '../api/v1alpha1.js';

export interface ConditionUpdate {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** The conditions after applying `updates` at `now` for `generation`. */
export function setConditions(
  existing: readonly Condition[],
  updates: readonly ConditionUpdate[],
  now: number,
  generation: number | undefined,
): Condition[] {
  const result = existing.filter((c) => !updates.some((u) => u.type === c.type));
  for (const update of updates) {
    const previous = existing.find((c) => c.type === update.type);
    const lastTransitionTime =
      previous !== undefined && previous.status === update.status
        ? previous.lastTransitionTime
        : new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
    result.push({
      ...update,
      lastTransitionTime,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    });
  }
  return result.sort((a, b) => a.type.localeCompare(b.type));
}
