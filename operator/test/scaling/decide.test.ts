import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type AnnouncedPush,
  decideReplicas,
  defaultBehavior,
  emptyScalerState,
  expectedPeakRate,
  type MetricReading,
  minimumFromTiers,
  type PodSample,
  prescaleMinimum,
  type ScaleInput,
} from '../../src/scaling/index.js';

const now = 1_700_000_000_000;

function readyPods(rates: readonly (number | undefined)[]): PodSample[] {
  return rates.map((rate, i) => ({ name: `p${i}`, phase: 'Running', isReady: true, rate }));
}

function input(overrides: Partial<ScaleInput> & { readonly metrics: readonly MetricReading[] }): ScaleInput {
  return { now, currentReplicas: 3, minReplicas: 1, maxReplicas: 10, ...overrides };
}

describe('scaling/decide: decideReplicas', () => {
  it('holds the current count with reason MetricUnavailable when the scrape failed (never drops to the minimum)', () => {
    const decision = decideReplicas(
      input({ currentReplicas: 7, metrics: [{ kind: 'unavailable', reason: 'scrape timed out' }] }),
      emptyScalerState,
    );
    assert.equal(decision.replicas, 7);
    assert.equal(decision.reason, 'MetricUnavailable');
    assert.equal(decision.isScalingActive, false);
    assert.match(decision.message, /scrape timed out/);
    assert.deepEqual(decision.state, emptyScalerState, 'a failed scrape leaves no recommendation behind');
  });

  it('holds when every pod lacks a value (no ready pod measured)', () => {
    const pods = readyPods([undefined, undefined]);
    const decision = decideReplicas(input({ metrics: [{ kind: 'podRates', pods, target: 400 }] }), emptyScalerState);
    assert.deepEqual([decision.replicas, decision.reason], [3, 'MetricUnavailable']);
  });

  it('TestScaleUpOneMetricEmpty: one metric missing, the other asks for more → scale up', () => {
    const metrics: MetricReading[] = [
      { kind: 'podRates', pods: readyPods([400, 400, 400]), target: 300 },
      { kind: 'unavailable', reason: 'queue depth: management API down' },
    ];
    const decision = decideReplicas(input({ minReplicas: 2, maxReplicas: 6, metrics }), emptyScalerState);
    assert.deepEqual([decision.replicas, decision.reason], [4, 'DesiredWithinRange']);
  });

  it('TestNoScaleDownOneMetricEmpty: one metric missing, the other asks for fewer → hold', () => {
    const metrics: MetricReading[] = [
      { kind: 'podRates', pods: readyPods([100, 300, 500, 250, 250].map((r) => r / 10)), target: 50 },
      { kind: 'unavailable', reason: 'external metric failed' },
    ];
    const decision = decideReplicas(
      input({ currentReplicas: 5, minReplicas: 2, maxReplicas: 6, metrics }),
      emptyScalerState,
    );
    assert.deepEqual([decision.replicas, decision.reason], [5, 'MetricUnavailable']);
  });

  it('pause returns the current count even when far above target and outside [min, max]', () => {
    const metrics: MetricReading[] = [{ kind: 'podRates', pods: readyPods([5000]), target: 400 }];
    const decision = decideReplicas(input({ currentReplicas: 12, isPaused: true, metrics }), emptyScalerState);
    assert.deepEqual([decision.replicas, decision.reason, decision.isScalingActive], [12, 'Paused', false]);
  });

  it('scales proportionally: 3 replicas at 800 req/s each with target 400 → 6', () => {
    const metrics: MetricReading[] = [{ kind: 'podRates', pods: readyPods([800, 800, 800]), target: 400 }];
    const decision = decideReplicas(input({ metrics }), emptyScalerState);
    assert.equal(decision.replicas, 6);
    assert.equal(decision.observed, 2400);
    assert.equal(decision.perReplica, 800);
  });

  it('a tier raises the minimum once its rate is reached', () => {
    assert.equal(
      minimumFromTiers(
        [
          { rate: 1000, minReplicas: 4 },
          { rate: 5000, minReplicas: 12 },
        ],
        1200,
      ),
      4,
    );
    const metrics: MetricReading[] = [{ kind: 'podRates', pods: readyPods([400, 400, 400]), target: 400 }];
    const tiers = [{ rate: 1000, minReplicas: 5 }];
    const decision = decideReplicas(input({ metrics, tiers }), emptyScalerState);
    assert.deepEqual([decision.replicas, decision.reason, decision.effectiveMin], [5, 'BelowMinimum', 5]);
  });

  it('scale-down waits for the stabilization window (5 min by default), then follows the highest recommendation', () => {
    const low: MetricReading[] = [{ kind: 'podRates', pods: readyPods([100, 100, 100, 100, 100, 100]), target: 400 }];
    let state = emptyScalerState;
    const high = decideReplicas(
      input({ currentReplicas: 6, metrics: [{ kind: 'podRates', pods: readyPods(Array(6).fill(400)), target: 400 }] }),
      state,
    );
    state = high.state;
    const early = decideReplicas(input({ now: now + 60_000, currentReplicas: 6, metrics: low }), state);
    assert.equal(early.replicas, 6, 'one minute after a recommendation of 6, stay at 6');
    const late = decideReplicas(input({ now: now + 301_000, currentReplicas: 6, metrics: low }), early.state);
    assert.equal(late.replicas, 2, 'after the window only lower recommendations remain');
  });
});

describe('scaling/prescale: prescaleMinimum', () => {
  const push: AnnouncedPush = { start: now + 10 * 60_000, expectedMessages: 400_000, durationSeconds: 1800 };
  const options = { pushes: [push], requestsPerMessage: 1, targetPerReplica: 400, leadSeconds: 300, peakFactor: 3 };

  it('raises the floor from lead time before the start to the end: ceil(400 000 / 1800 s × 3 / 400) = 2', () => {
    assert.equal(expectedPeakRate(push, 1, 3), (400_000 / 1800) * 3);
    assert.equal(prescaleMinimum({ ...options, now }), 0, '10 minutes before: not yet');
    assert.equal(prescaleMinimum({ ...options, now: push.start - 300_000 }), 2);
    assert.equal(prescaleMinimum({ ...options, now: push.start + 1_800_000 }), 2);
    assert.equal(prescaleMinimum({ ...options, now: push.start + 1_800_001 }), 0, 'after the end: released');
  });

  it('adds overlapping pushes', () => {
    assert.equal(prescaleMinimum({ ...options, pushes: [push, push], now: push.start }), 4);
  });
});

describe('scaling/decide: properties (fast-check)', () => {
  const pod = fc.record({
    rate: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: undefined }),
    isReady: fc.boolean(),
    phase: fc.constantFrom('Running', 'Running', 'Pending', 'Failed'),
  });
  const scenario = fc.record({
    min: fc.integer({ min: 1, max: 5 }),
    span: fc.integer({ min: 0, max: 30 }),
    current: fc.integer({ min: 1, max: 40 }),
    target: fc.integer({ min: 1, max: 1000 }),
    pods: fc.array(pod, { minLength: 0, maxLength: 40 }),
  });

  it('the result is always within [min, max] once the current count is (and never NaN)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const max = s.min + s.span;
        const pods = s.pods.map((p, i) => ({ ...p, name: `p${i}` }) as PodSample);
        const d = decideReplicas(
          {
            now,
            currentReplicas: s.current,
            minReplicas: s.min,
            maxReplicas: max,
            metrics: [{ kind: 'podRates', pods, target: s.target }],
          },
          emptyScalerState,
        );
        const inRange = s.current >= s.min && s.current <= max;
        return (
          Number.isInteger(d.replicas) &&
          (!inRange || (d.replicas >= s.min && d.replicas <= max)) &&
          (inRange || d.replicas === Math.min(Math.max(s.current, s.min), max))
        );
      }),
    );
  });

  it('never changes the count while every ready pod is within tolerance of the target', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.double({ min: -0.099, max: 0.099, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (current, target, deviations) => {
          const pods = readyPods(deviations.map((d) => target * (1 + d)));
          const d = decideReplicas(
            {
              now,
              currentReplicas: current,
              minReplicas: 1,
              maxReplicas: 100,
              metrics: [{ kind: 'podRates', pods, target }],
            },
            emptyScalerState,
          );
          return d.replicas === current;
        },
      ),
    );
  });

  it('holds on a missing metric whatever the history, bounds and behaviour', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 5, max: 50 }), (min, max) => {
        const current = Math.floor((min + max) / 2);
        let state = emptyScalerState;
        for (let i = 0; i < 5; i++) {
          const metric: MetricReading = { kind: 'podRates', pods: readyPods(Array(current).fill(1)), target: 400 };
          state = decideReplicas(
            { now: now + i * 15_000, currentReplicas: current, minReplicas: min, maxReplicas: max, metrics: [metric] },
            state,
          ).state;
        }
        const d = decideReplicas(
          {
            now: now + 10 * 60_000,
            currentReplicas: current,
            minReplicas: min,
            maxReplicas: max,
            metrics: [{ kind: 'unavailable', reason: 'x' }],
            behavior: defaultBehavior,
          },
          state,
        );
        return d.replicas === current && d.reason === 'MetricUnavailable';
      }),
    );
  });
});
