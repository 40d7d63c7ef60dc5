import assert from 'node:assert/strict';
import { type PodPhase, type PodSample, replicasFromPodRates, replicasFromTotal } from '../../src/scaling/index.js';

/**
 * Table cases ported from kubernetes `pkg/controller/podautoscaler/replica_calculator_test.go`.
 * Upstream CPU levels are milli-cores of a 1-core request, so a level L is L/10 % utilization;
 * here it becomes a rate of L/10 req/s against a target of the same number as the upstream
 * target utilization. Custom-metric ("CM", qps) cases keep their numbers divided by 1000.
 */
interface PodSpec {
  readonly count: number;
  /** Rates of the first pods; the rest have no value (missing). */
  readonly rates: readonly number[];
  readonly readiness?: readonly boolean[];
  readonly phases?: readonly PodPhase[];
  readonly deleting?: readonly boolean[];
}

function podsOf(spec: PodSpec): PodSample[] {
  return Array.from({ length: spec.count }, (_, i) => ({
    name: `pod-${i}`,
    phase: spec.phases?.[i] ?? 'Running',
    isReady: spec.readiness?.[i] ?? true,
    isDeleting: spec.deleting?.[i] ?? false,
    rate: spec.rates[i],
  }));
}

interface Case {
  readonly upstream: string;
  readonly current: number;
  readonly target: number;
  readonly pods: PodSpec;
  readonly expected: number;
  readonly note?: string;
}

const T = true;
const F = false;
const cases: readonly Case[] = [
  { upstream: 'TestReplicaCalcScaleUp', current: 3, target: 30, pods: { count: 3, rates: [30, 50, 70] }, expected: 5 },
  {
    upstream: 'TestReplicaCalcScaleUpUnreadyLessScale',
    current: 3,
    target: 30,
    pods: { count: 3, rates: [30, 50, 70], readiness: [F, T, T] },
    expected: 4,
  },
  {
    upstream: 'TestReplicaCalcScaleUpUnreadyNoScale',
    current: 3,
    target: 30,
    pods: { count: 3, rates: [40, 50, 70], readiness: [T, F, F] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcScaleUpIgnoresFailedPods',
    current: 2,
    target: 30,
    pods: { count: 4, rates: [50, 70], readiness: [T, T, F, F], phases: ['Running', 'Running', 'Failed', 'Failed'] },
    expected: 4,
  },
  {
    upstream: 'TestReplicaCalcScaleUpIgnoresDeletionPods',
    current: 2,
    target: 30,
    pods: { count: 4, rates: [50, 70], readiness: [T, T, F, F], deleting: [F, F, T, T] },
    expected: 4,
  },
  {
    upstream: 'TestReplicaCalcScaleUpCM',
    current: 3,
    target: 15,
    pods: { count: 3, rates: [20, 10, 30] },
    expected: 4,
  },
  {
    upstream: 'TestReplicaCalcScaleDown',
    current: 5,
    target: 50,
    pods: { count: 5, rates: [10, 30, 50, 25, 25] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcScaleDownCM',
    current: 5,
    target: 20,
    pods: { count: 5, rates: [12, 12, 12, 12, 12] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcScaleDownIncludeUnreadyPods',
    current: 5,
    target: 50,
    pods: { count: 5, rates: [10, 30, 50, 25, 25], readiness: [T, T, T, F, F] },
    expected: 2,
  },
  {
    upstream: 'TestReplicaCalcScaleDownExcludeUnscheduledPods',
    current: 5,
    target: 50,
    pods: {
      count: 5,
      rates: [10],
      readiness: [T, F, F, F, F],
      phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
    },
    expected: 1,
  },
  {
    upstream: 'TestReplicaCalcScaleDownIgnoresFailedPods',
    current: 5,
    target: 50,
    pods: {
      count: 7,
      rates: [10, 30, 50, 25, 25],
      readiness: [T, T, T, T, T, F, F],
      phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
    },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcScaleDownIgnoresDeletionPods',
    current: 5,
    target: 50,
    pods: { count: 7, rates: [10, 30, 50, 25, 25], readiness: [T, T, T, T, T, F, F], deleting: [F, F, F, F, F, T, T] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcTolerance',
    current: 3,
    target: 100,
    pods: { count: 3, rates: [101, 103, 102] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcToleranceCM',
    current: 3,
    target: 20,
    pods: { count: 3, rates: [20, 21, 21] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcMissingMetrics',
    current: 4,
    target: 100,
    pods: { count: 4, rates: [40, 9.5] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsNoChangeEq',
    current: 2,
    target: 100,
    pods: { count: 2, rates: [100] },
    expected: 2,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsNoChangeGt',
    current: 2,
    target: 100,
    pods: { count: 2, rates: [190] },
    expected: 2,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsNoChangeLt',
    current: 2,
    target: 100,
    pods: { count: 2, rates: [60] },
    expected: 2,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsUnreadyChange',
    current: 3,
    target: 50,
    pods: { count: 3, rates: [10, 45], readiness: [F, T, T] },
    expected: 3,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsUnreadyScaleUp',
    current: 3,
    target: 50,
    pods: { count: 3, rates: [10, 200], readiness: [F, T, T] },
    expected: 4,
  },
  {
    upstream: 'TestReplicaCalcMissingMetricsUnreadyScaleDown',
    current: 4,
    target: 50,
    pods: { count: 4, rates: [10, 10, 10], readiness: [F, T, T, T] },
    expected: 2,
    note:
      'upstream expects 3: a missing CPU pod counts as 100 % of its request, above the 50 % target; a rate has no ' +
      'request, so a missing pod counts as the target (the plain-metric rule): (10+10+50)/3/50 × 3 → 2',
  },
  {
    upstream: 'TestReplicaCalcDuringRollingUpdateWithMaxSurge',
    current: 2,
    target: 50,
    pods: { count: 3, rates: [10, 10] },
    expected: 2,
  },
];

describe('scaling/replica-calculator: replicasFromPodRates (ported replica_calculator_test.go cases)', () => {
  for (const c of cases) {
    it(`${c.upstream}: ${c.current} replicas → ${c.expected}${c.note === undefined ? '' : ' (adapted)'}`, () => {
      const result = replicasFromPodRates({ currentReplicas: c.current, pods: podsOf(c.pods), target: c.target });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.replicas, c.expected, c.note);
    });
  }

  it('TestReplicaCalcEmptyMetrics: no value from any ready pod is an error (the caller holds), not zero load', () => {
    const result = replicasFromPodRates({ currentReplicas: 4, pods: podsOf({ count: 3, rates: [] }), target: 100 });
    assert.deepEqual(result, { ok: false, error: 'did not receive metrics for any ready pods' });
  });

  it('uses a configurable tolerance: 5 % over target scales with tolerance 0.01, not with the default 0.1', () => {
    const pods = podsOf({ count: 4, rates: [105, 105, 105, 105] });
    const lenient = replicasFromPodRates({ currentReplicas: 4, pods, target: 100 });
    assert.ok(lenient.ok);
    assert.equal(lenient.replicas, 4);
    const strict = replicasFromPodRates({ currentReplicas: 4, pods, target: 100, tolerance: 0.01 });
    assert.ok(strict.ok);
    assert.equal(strict.replicas, 5);
  });
});

describe('scaling/replica-calculator: replicasFromTotal (ported external per-pod cases)', () => {
  const table = [
    { upstream: 'TestReplicaCalcScaleUpPerPodCMExternal', current: 3, total: 8600, target: 2150, expected: 4 },
    { upstream: 'TestReplicaCalcScaleDownPerPodCMExternal', current: 5, total: 8600, target: 2867, expected: 3 },
    { upstream: 'TestReplicaCalcTolerancePerPodCMExternal', current: 3, total: 8600, target: 2900, expected: 3 },
    { upstream: 'TestReplicaCalcScaleUpCMPerPodObject', current: 3, total: 20000, target: 5000, expected: 4 },
    { upstream: 'TestReplicaCalcTolerancePerPodCMObject', current: 4, total: 20166, target: 5000, expected: 4 },
  ] as const;
  for (const c of table) {
    it(`${c.upstream}: total ${c.total} at ${c.target}/replica, ${c.current} → ${c.expected}`, () => {
      const result = replicasFromTotal({ currentReplicas: c.current, total: c.total, targetPerReplica: c.target });
      assert.ok(result.ok);
      assert.equal(result.replicas, c.expected);
    });
  }
});
