import type { Point } from './wired.js';

export interface Analysis {
  readonly peakRate: number;
  readonly maxReplicas: number;
  readonly scaleChanges: number;
  readonly directionChanges: number;
  /** Scale-downs followed by a scale-up within the stabilization window. */
  readonly flaps: readonly { readonly down: number; readonly up: number }[];
  readonly firstWindow?: {
    readonly from: number;
    readonly to: number;
    readonly maxOvershoot: number;
    readonly at: number;
  };
  /** Outside the first scale-up window. */
  readonly laterSecondsAboveTarget: number;
  readonly laterMaxOvershoot: number;
  readonly laterMaxOvershootAt?: number;
}

export function analyse(points: readonly Point[], target: number, stabilizationSeconds: number): Analysis {
  const changes: { t: number; dir: 1 | -1 }[] = [];
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (a !== undefined && b !== undefined && a.desired !== b.desired)
      changes.push({ t: b.t, dir: b.desired > a.desired ? 1 : -1 });
  }
  let directionChanges = 0;
  const flaps: { down: number; up: number }[] = [];
  changes.forEach((c, i) => {
    const prev = changes[i - 1];
    if (prev !== undefined && prev.dir !== c.dir) directionChanges++;
    if (prev !== undefined && prev.dir === -1 && c.dir === 1 && c.t - prev.t < stabilizationSeconds)
      flaps.push({ down: prev.t, up: c.t });
  });
  const over = (p: Point) => p.perReplica > target;
  const start = points.findIndex(over);
  let end = start < 0 ? -1 : points.findIndex((p, i) => i > start && !over(p));
  if (start >= 0 && end < 0) end = points.length;
  let firstWindow: Analysis['firstWindow'];
  let later = { seconds: 0, max: 0, at: undefined as number | undefined };
  points.forEach((p, i) => {
    const overshoot = p.perReplica / target - 1;
    if (i >= start && i < end && start >= 0) {
      if (firstWindow === undefined || overshoot > firstWindow.maxOvershoot) {
        firstWindow = { from: points[start]?.t ?? 0, to: points[end - 1]?.t ?? 0, maxOvershoot: overshoot, at: p.t };
      }
    } else if (overshoot > 0) {
      later = {
        seconds: later.seconds + 1,
        max: Math.max(later.max, overshoot),
        at: overshoot >= later.max ? p.t : later.at,
      };
    }
  });
  return {
    peakRate: Math.max(...points.map((p) => p.rate)),
    maxReplicas: Math.max(...points.map((p) => p.desired)),
    scaleChanges: changes.length,
    directionChanges,
    flaps,
    ...(firstWindow === undefined ? {} : { firstWindow }),
    laterSecondsAboveTarget: later.seconds,
    laterMaxOvershoot: later.max,
    ...(later.at === undefined ? {} : { laterMaxOvershootAt: later.at }),
  };
}
