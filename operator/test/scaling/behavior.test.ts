import assert from 'node:assert/strict';
import {
  defaultScaleDownRules,
  defaultScaleUpRules,
  emptyScalerState,
  limitByRate,
  recordScaleEvent,
  replicasChangedWithin,
  type ScaleEvent,
  type ScalingRules,
  stabilizeRecommendation,
} from '../../src/scaling/index.js';

const now = 1_700_000_000_000;
const s = 1000;
const min = 60 * s;

/** Upstream `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow)`. */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): ScalingRules {
  return {
    stabilizationWindowSeconds: window,
    selectPolicy: 'Max',
    policies: [
      ...(pods === 0 ? [] : [{ type: 'Pods' as const, value: pods, periodSeconds: podsPeriod }]),
      ...(percent === 0 ? [] : [{ type: 'Percent' as const, value: percent, periodSeconds: percentPeriod }]),
    ],
  };
}

/** Upstream `generateEventsUniformDistribution`: events centred in equal segments of the last period. */
function uniformEvents(changes: readonly number[], periodSeconds: number): ScaleEvent[] {
  const segment = periodSeconds / changes.length;
  return changes.map((change, i) => ({
    change,
    at: now - Math.trunc(periodSeconds - segment * (i + 1) + segment / 2) * s,
    isOutdated: false,
  }));
}

interface RulesCase {
  readonly name: string;
  readonly current: number;
  readonly desired: number;
  readonly min: number;
  readonly max: number;
  readonly up?: ScalingRules;
  readonly down?: ScalingRules;
  readonly upEvents?: ScaleEvent[];
  readonly downEvents?: ScaleEvent[];
  readonly expected: number;
  readonly reason: string;
}

// TestScalingWithRules (horizontal_test.go), which drives convertDesiredReplicasWithBehaviorRate.
const scalingWithRules: readonly RulesCase[] = [
  {
    name: 'prenormalized desired replicas within range',
    current: 5,
    desired: 7,
    min: 3,
    max: 8,
    expected: 7,
    reason: 'DesiredWithinRange',
  },
  {
    name: 'prenormalized desired replicas < minReplicas',
    current: 3,
    desired: 1,
    min: 2,
    max: 8,
    expected: 2,
    reason: 'TooFewReplicas',
  },
  {
    name: 'within range when minReplicas is 0',
    current: 1,
    desired: 0,
    min: 0,
    max: 10,
    expected: 0,
    reason: 'DesiredWithinRange',
  },
  {
    name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
    current: 20,
    desired: 1000,
    min: 1,
    max: 10,
    expected: 10,
    reason: 'TooManyReplicas',
  },
  {
    name: 'desired replica count is more than the maximum replica count',
    current: 100,
    desired: 1000,
    min: 100,
    max: 150,
    expected: 150,
    reason: 'TooManyReplicas',
  },
  {
    name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
    current: 3,
    desired: 1000,
    min: 1,
    max: 2000,
    up: rules(0, 0, 1, 60, 0),
    expected: 4,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies',
    current: 1000,
    desired: 3,
    min: 3,
    max: 2000,
    down: rules(20, 60, 0, 0, 0),
    expected: 980,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleUp with default behavior',
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    expected: 20,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with pods policy larger than percent policy',
    current: 10,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(100, 60, 100, 60, 0),
    expected: 110,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with percent policy larger than pods policy',
    current: 10,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(2, 60, 100, 60, 0),
    expected: 20,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with pod policy limitation',
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    up: rules(30, 60, 0, 0, 0),
    expected: 40,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with percent policy limitation',
    current: 10,
    desired: 50,
    min: 1,
    max: 1000,
    up: rules(0, 0, 200, 60, 0),
    expected: 30,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleDown with percent policy larger than pod policy',
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(20, 60, 1, 60, 300),
    expected: 80,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with pod policy larger than percent policy',
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(2, 60, 1, 60, 300),
    expected: 98,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large percent policy',
    current: 10,
    desired: 2,
    min: 5,
    max: 1000,
    down: rules(0, 0, 100, 60, 300),
    expected: 5,
    reason: 'TooFewReplicas',
  },
  {
    name: 'scaleDown with pod policy limitation',
    current: 10,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(5, 60, 0, 0, 300),
    expected: 5,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with percent policy limitation',
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    down: rules(0, 0, 50, 60, 300),
    expected: 5,
    reason: 'DesiredWithinRange',
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
    current: 100,
    desired: 500,
    min: 1,
    max: 200,
    up: rules(300, 60, 0, 0, 0),
    upEvents: uniformEvents([1, 5, 9], 120),
    expected: 200,
    reason: 'TooManyReplicas',
  },
  {
    name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(5, 120, 0, 0, 0),
    upEvents: uniformEvents([1, 5, 9], 120),
    expected: 100,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with pod policy and previous scale up events',
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(150, 120, 0, 0, 0),
    upEvents: uniformEvents([1, 5, 9], 120),
    expected: 235,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with percent policy and previous scale up events',
    current: 100,
    desired: 500,
    min: 1,
    max: 1000,
    up: rules(0, 0, 200, 120, 0),
    upEvents: uniformEvents([1, 5, 9], 120),
    expected: 255,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleUp with percent policy and previous scale up and down events',
    current: 6,
    desired: 24,
    min: 1,
    max: 1000,
    up: rules(0, 0, 300, 300, 0),
    upEvents: uniformEvents([4], 120),
    downEvents: uniformEvents([2], 120),
    expected: 16,
    reason: 'ScaleUpLimit',
  },
  {
    name: 'scaleDown with default policy and previous events',
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    downEvents: uniformEvents([1, 5, 9], 120),
    expected: 5,
    reason: 'DesiredWithinRange',
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events',
    current: 100,
    desired: 0,
    min: 5,
    max: 1000,
    down: rules(130, 120, 0, 0, 300),
    downEvents: uniformEvents([1, 5, 9], 120),
    expected: 5,
    reason: 'TooFewReplicas',
  },
  {
    name: 'scaleDown with pod policy limitation and previous events',
    current: 100,
    desired: 2,
    min: 1,
    max: 1000,
    down: rules(5, 120, 0, 0, 300),
    downEvents: uniformEvents([1, 5, 9], 120),
    expected: 100,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with percent policy limitation and previous events',
    current: 100,
    desired: 0,
    min: 1,
    max: 1000,
    down: rules(0, 0, 50, 120, 300),
    downEvents: uniformEvents([2, 4, 6], 120),
    expected: 56,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with percent policy and previous scale up and down events',
    current: 10,
    desired: 1,
    min: 1,
    max: 1000,
    down: rules(0, 0, 50, 180, 0),
    upEvents: uniformEvents([2], 120),
    downEvents: uniformEvents([4], 120),
    expected: 6,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with previous events preventing further scale down',
    current: 100,
    desired: 0,
    min: 1,
    max: 1000,
    down: rules(0, 0, 10, 120, 300),
    downEvents: uniformEvents([10, 10, 10], 120),
    expected: 100,
    reason: 'ScaleDownLimit',
  },
  {
    name: 'scaleDown with with previous events still allowing more scale down',
    current: 10,
    desired: 5,
    min: 1,
    max: 1000,
    down: rules(0, 0, 1000, 120, 300),
    downEvents: uniformEvents([10, 10, 10], 120),
    expected: 5,
    reason: 'DesiredWithinRange',
  },
  {
    name: "check that events were marked 'outdated' for two different policies in the behavior for up",
    current: 100,
    desired: 200,
    min: 1,
    max: 1000,
    up: rules(1000, 30, 100, 60, 0),
    upEvents: uniformEvents([8, 12, 9, 11], 120),
    expected: 200,
    reason: 'DesiredWithinRange',
  },
];

describe('scaling/behavior: limitByRate (ported TestScalingWithRules)', () => {
  for (const c of scalingWithRules) {
    it(`TestScalingWithRules/${c.name}: ${c.current} → ${c.expected} (${c.reason})`, () => {
      const state = { ...emptyScalerState, scaleUpEvents: c.upEvents ?? [], scaleDownEvents: c.downEvents ?? [] };
      const behavior = { scaleUp: c.up ?? defaultScaleUpRules, scaleDown: c.down ?? defaultScaleDownRules };
      const result = limitByRate(state, {
        now,
        current: c.current,
        desired: c.desired,
        min: c.min,
        max: c.max,
        behavior,
      });
      assert.deepEqual(result, { replicas: c.expected, reason: c.reason });
    });
  }

  it('selectPolicy Disabled forbids any scale-up; Min picks the smaller of two policies', () => {
    const behavior = {
      scaleUp: { ...rules(2, 60, 100, 60, 0), selectPolicy: 'Disabled' as const },
      scaleDown: defaultScaleDownRules,
    };
    const args = { now, current: 10, desired: 50, min: 1, max: 100, behavior };
    assert.equal(limitByRate(emptyScalerState, args).replicas, 10);
    const minBehavior = { ...behavior, scaleUp: { ...behavior.scaleUp, selectPolicy: 'Min' as const } };
    assert.equal(limitByRate(emptyScalerState, { ...args, behavior: minBehavior }).replicas, 12);
  });
});

interface StabilizeCase {
  readonly name: string;
  readonly recs: readonly [number, number][];
  readonly current: number;
  readonly desired: number;
  readonly expected: number;
  readonly stored?: readonly number[];
  readonly up?: number;
  readonly down?: number;
}

// TestNormalizeDesiredReplicasWithBehavior (horizontal_test.go): stabilizeRecommendationWithBehaviors.
const stabilizeCases: readonly StabilizeCase[] = [
  { name: 'empty recommendations for scaling down', recs: [], current: 100, desired: 5, expected: 5, stored: [5] },
  {
    name: 'simple scale down stabilization',
    recs: [
      [4, -2 * min],
      [5, -1 * min],
    ],
    current: 100,
    desired: 3,
    expected: 5,
    stored: [4, 5, 3],
    down: 180,
  },
  {
    name: 'simple scale up stabilization',
    recs: [
      [4, -2 * min],
      [5, -1 * min],
    ],
    current: 1,
    desired: 7,
    expected: 4,
    stored: [4, 5, 7],
    up: 300,
  },
  {
    name: 'no scale down stabilization',
    recs: [
      [1, -2 * min],
      [2, -1 * min],
    ],
    current: 100,
    desired: 3,
    expected: 3,
    stored: [1, 2, 3],
    up: 300,
  },
  {
    name: 'no scale up stabilization',
    recs: [
      [4, -2 * min],
      [5, -1 * min],
    ],
    current: 1,
    desired: 3,
    expected: 3,
    stored: [4, 5, 3],
    down: 300,
  },
  {
    name: 'no scale down stabilization, reuse recommendation element',
    recs: [
      [10, -10 * min],
      [9, -9 * min],
    ],
    current: 100,
    desired: 3,
    expected: 3,
    stored: [10, 3],
  },
  {
    name: 'no scale up stabilization, reuse recommendation element',
    recs: [
      [10, -10 * min],
      [9, -9 * min],
    ],
    current: 1,
    desired: 100,
    expected: 100,
    stored: [10, 100],
  },
  {
    name: 'scale down stabilization, reuse one of obsolete recommendation element',
    recs: [
      [10, -10 * min],
      [4, -1 * min],
      [5, -2 * min],
      [9, -9 * min],
    ],
    current: 100,
    desired: 3,
    expected: 5,
    stored: [10, 4, 5, 3],
    down: 180,
  },
  {
    name: 'scale up stabilization, reuse one of obsolete recommendation element',
    recs: [
      [10, -100 * min],
      [6, -1 * min],
      [5, -2 * min],
      [9, -3 * min],
    ],
    current: 1,
    desired: 100,
    expected: 5,
    stored: [100, 6, 5, 9],
    up: 300,
  },
  {
    name: 'scale up and down stabilization, do not scale up when prenormalized rec goes down',
    recs: [
      [2, -100 * min],
      [3, -3 * min],
    ],
    current: 2,
    desired: 1,
    expected: 2,
    up: 300,
    down: 300,
  },
  {
    name: 'scale up and down stabilization, do not scale down when prenormalized rec goes up',
    recs: [
      [2, -100 * min],
      [1, -3 * min],
    ],
    current: 2,
    desired: 3,
    expected: 2,
    up: 300,
    down: 300,
  },
];

describe('scaling/behavior: stabilizeRecommendation (ported TestNormalizeDesiredReplicasWithBehavior)', () => {
  for (const c of stabilizeCases) {
    it(`TestNormalizeDesiredReplicasWithBehavior/${c.name}: → ${c.expected}`, () => {
      const behavior = {
        scaleUp: { ...defaultScaleUpRules, stabilizationWindowSeconds: c.up ?? 0 },
        scaleDown: { ...defaultScaleDownRules, stabilizationWindowSeconds: c.down ?? 0 },
      };
      const recommendations = c.recs.map(([replicas, offset]) => ({ replicas, at: now + offset }));
      const result = stabilizeRecommendation(recommendations, {
        now,
        current: c.current,
        desired: c.desired,
        behavior,
      });
      assert.equal(result.replicas, c.expected);
      if (c.stored !== undefined)
        assert.deepEqual(
          result.recommendations.map((r) => r.replicas),
          c.stored,
        );
    });
  }
});

describe('scaling/behavior: recordScaleEvent (ported TestStoreScaleEvents)', () => {
  const cases = [
    {
      name: 'empty entries with two-policy-behavior',
      prev: [],
      stored: [[5, false]],
      rules: rules(10, 60, 100, 60, 0),
      changed: 0,
    },
    {
      name: 'one outdated entry to be replaced with behavior',
      prev: [[7, -61]],
      stored: [[5, false]],
      rules: rules(10, 60, 100, 60, 0),
      changed: 0,
    },
    {
      name: 'one actual entry to be not touched with behavior',
      prev: [[7, -58]],
      stored: [
        [7, false],
        [5, false],
      ],
      rules: rules(10, 60, 100, 60, 0),
      changed: 7,
    },
    {
      name: 'two entries, one of them to be replaced',
      prev: [
        [7, -61],
        [6, -59],
      ],
      stored: [
        [5, false],
        [6, false],
      ],
      rules: rules(10, 60, 0, 0, 0),
      changed: 6,
    },
    {
      name: 'replace one entry, use policies with different periods',
      prev: [
        [8, -29],
        [6, -59],
        [7, -61],
        [9, -61],
      ],
      stored: [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
      rules: rules(10, 60, 100, 30, 0),
      changed: 14,
    },
    {
      name: 'two entries, both actual',
      prev: [
        [7, -58],
        [6, -59],
      ],
      stored: [
        [7, false],
        [6, false],
        [5, false],
      ],
      rules: rules(10, 120, 100, 30, 0),
      changed: 13,
    },
  ] as const;
  for (const c of cases) {
    it(`TestStoreScaleEvents/${c.name}`, () => {
      const prev = c.prev.map(([change, offset]) => ({ change, at: now + offset * s, isOutdated: false }));
      assert.equal(replicasChangedWithin(60, prev, now), c.changed);
      const up = recordScaleEvent(
        { ...emptyScalerState, scaleUpEvents: prev },
        { now, from: 10, to: 15, behavior: { scaleUp: c.rules, scaleDown: c.rules } },
      );
      assert.deepEqual(
        up.scaleUpEvents.map((e) => [e.change, e.isOutdated]),
        c.stored,
      );
      const down = recordScaleEvent(
        { ...emptyScalerState, scaleDownEvents: prev },
        { now, from: 10, to: 5, behavior: { scaleUp: c.rules, scaleDown: c.rules } },
      );
      assert.deepEqual(
        down.scaleDownEvents.map((e) => [e.change, e.isOutdated]),
        c.stored,
      );
    });
  }
});
