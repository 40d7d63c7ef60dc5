/**
 * Festival scaling run (`make bench-scaling`; not part of the test run). Replays a mass push
 * — 20 % of 2 million followers, 400 000 messages within 30 minutes, 40 % in the first 5
 * minutes with the peak at minute 2, ~1 request per message plus background traffic —
 * through the WIRED operator (`wired.ts`: the real `runOperator`, its informers, queue and
 * 15 s scrape clock on a virtual clock, scraping pods that serve /metrics, against the
 * API-server double; 30 s pod start-up), once reactive and once with the push announced in
 * the `mpstack.io/scheduled-push` annotation, plus a steady 95 req/s per pod against the
 * target of 100. Draws festival.png next to this source and checks: no flapping, per-replica
 * load under target outside the first scale-up window, no scale-up at the steady load.
 * Exits 1 when a check fails.
 *
 * The default target is 100 req/s per replica (FESTIVAL_TARGET overrides): at 400 the whole
 * festival (peak ≈ 840 req/s) fits in 2–3 replicas and the chart shows no scaling at all.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Analysis, analyse } from './analyse.js';
import { festivalCurve } from './curve.js';
import { drawPng } from './plot.js';
import { runWired, type WiredSettings } from './wired.js';

const target = Number(process.env['FESTIVAL_TARGET'] ?? '100');
const background = Number(process.env['FESTIVAL_BACKGROUND'] ?? '150');
const tolerance = 0.1;
const stabilization = 300;
const curve = festivalCurve();
const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = here.replace(`${join('test', 'dist', 'bench')}`, join('test', 'bench'));

const base: WiredSettings = {
  from: -15 * 60,
  until: 45 * 60,
  rateAt: (t) => background + curve.rateAt(t),
  target,
  minReplicas: 2,
  maxReplicas: 50,
  podStartSeconds: 30,
};
const announce = { start: 0, expectedMessages: 400_000, durationSeconds: 1800 };
const leadSeconds = 300;

const runs = [
  { name: 'reactive (HPA only)', points: await runWired(base) },
  { name: 'pre-scaled (announced, floor from 5 min ahead)', points: await runWired({ ...base, push: announce }) },
];
const steady = await runWired({ ...base, from: 0, until: 10 * 60, rateAt: () => 0.95 * target * 2 });

const fmt = (t: number) =>
  `${t < 0 ? '-' : ''}${Math.floor(Math.abs(t) / 60)}m${String(Math.abs(t) % 60).padStart(2, '0')}s`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function report(name: string, a: Analysis): string[] {
  const lines = [
    `${name}:`,
    `  peak ${a.peakRate.toFixed(0)} req/s, up to ${a.maxReplicas} replicas, ${a.scaleChanges} scale changes, ${a.directionChanges} direction changes`,
    `  flapping (scale-down then scale-up within ${stabilization} s): ${a.flaps.length === 0 ? 'none' : a.flaps.map((f) => `${fmt(f.down)}→${fmt(f.up)}`).join(', ')}`,
  ];
  const w = a.firstWindow;
  lines.push(
    w === undefined
      ? '  per-replica load never above target'
      : `  first scale-up window ${fmt(w.from)}–${fmt(w.to)}: max overshoot ${pct(w.maxOvershoot)} at ${fmt(w.at)}`,
    `  after it: ${a.laterSecondsAboveTarget} s above target, max overshoot ${pct(a.laterMaxOvershoot)}${a.laterMaxOvershootAt === undefined ? '' : ` at ${fmt(a.laterMaxOvershootAt)}`}`,
  );
  return lines;
}

let failed = false;
const steadyMax = Math.max(...steady.map((p) => p.desired));
console.log(
  `steady ${(0.95 * target).toFixed(0)} req/s per pod on 2 pods for 10 min (target ${target}): up to ${steadyMax} replicas`,
);
console.log(`  CHECK no scale-up at a steady load below target: ${steadyMax === 2 ? 'ok' : 'FAILED'}`);
if (steadyMax !== 2) failed = true;
console.log(
  `festival: 400 000 messages in 30 min (peak ${curve.peakRate.toFixed(0)} msg/s at minute 2) + ${background} req/s background; target ${target} req/s/replica, tolerance ${pct(tolerance)}`,
);
for (const run of runs) {
  const a = analyse(run.points, target, stabilization);
  for (const line of report(run.name, a)) console.log(line);
  const checks = [
    ['no flapping', a.flaps.length === 0],
    [`load within target + tolerance after the first scale-up window`, a.laterMaxOvershoot <= tolerance],
  ] as const;
  for (const [what, ok] of checks) {
    console.log(`  CHECK ${what}: ${ok ? 'ok' : 'FAILED'}`);
    if (!ok) failed = true;
  }
}

const png = join(sourceDir, 'festival.png');
await drawPng(
  png,
  runs.map((r, i) => ({
    title: r.name,
    points: r.points,
    ...(i === 1
      ? { shade: { from: -leadSeconds, to: announce.durationSeconds, label: 'pre-scaling floor active' } }
      : {}),
  })),
  target,
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
);
console.log(`chart: ${png}`);
process.exitCode = failed ? 1 : 0;
