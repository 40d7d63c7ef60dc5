/**
 * One festival run through the WIRED operator: the real `runOperator` (informers, queue,
 * reconciler, its 15 s scrape clock) on a virtual clock, scraping pods that serve /metrics on
 * loopback, against the API-server double whose simulated controller starts a pod 30 s (virtual)
 * after its Deployment asks for it. Traffic is spread evenly over the live ingress pods. The
 * operator's test support is loaded from its compiled files (no package exports it).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Wired = typeof import('../../../operator/dist/test/support/wired-operator.js');

/** One second of the run. */
export interface Point {
  readonly t: number;
  readonly rate: number;
  readonly desired: number;
  readonly ready: number;
  readonly perReplica: number;
  readonly floor: number;
}

export interface WiredSettings {
  /** Seconds relative to the push start. */
  readonly from: number;
  readonly until: number;
  /** Total request rate at second `t` (push + background). */
  readonly rateAt: (t: number) => number;
  readonly target: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly podStartSeconds: number;
  /** The `mpstack.io/scheduled-push` annotation, for the pre-scaled run. */
  readonly push?: { readonly expectedMessages: number; readonly durationSeconds: number };
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, '.mocharc.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repo root not found');
    dir = up;
  }
  return dir;
}

const PUSH_AT = Date.parse('2025-01-28T12:00:00Z');
/** Recording resolution: the state is read every this many virtual seconds. */
const STEP_SECONDS = 5;
const WARM_UP_SECONDS = 60;

export async function runWired(settings: WiredSettings): Promise<Point[]> {
  const path = join(repoRoot(), 'operator/dist/test/support/wired-operator.js');
  const { startWired } = (await import(pathToFileURL(path).href)) as Wired;
  const toSeconds = (ms: number) => (ms - PUSH_AT) / 1000;
  // A minute of warm-up, not recorded: the first pods start like any other.
  const warmUp = settings.from - WARM_UP_SECONDS;
  const wired = await startWired({
    start: PUSH_AT + warmUp * 1000,
    rate: (ms, pods) => settings.rateAt(Math.floor(toSeconds(ms))) / Math.max(1, pods),
    podStartMs: settings.podStartSeconds * 1000,
    spec: {
      image: 'mpstack/mpstack:0.1.0',
      ingress: { host: 'wx.example.com' },
      redis: { urlSecret: { name: 'mpstack-redis', key: 'url' } },
      mysql: { mode: 'external', externalUrlSecret: { name: 'db', key: 'url' } },
      metrics: { scrapeIntervalSeconds: 15 },
      services: {
        ingress: {
          replicas: { min: settings.minReplicas, max: settings.maxReplicas },
          scaling: { targetRequestsPerSecondPerReplica: settings.target },
        },
      },
    },
    ...(settings.push === undefined
      ? {}
      : {
          annotations: {
            'mpstack.io/scheduled-push': JSON.stringify({
              start: new Date(PUSH_AT).toISOString(),
              expectedMessages: settings.push.expectedMessages,
              durationSeconds: settings.push.durationSeconds,
            }),
          },
        }),
  });
  const points: Point[] = [];
  try {
    await wired.run(PUSH_AT + settings.from * 1000);
    for (let t = settings.from; t < settings.until; t += STEP_SECONDS) {
      const { desired, pods } = wired.ingress();
      for (let s = t; s < t + STEP_SECONDS; s++) {
        const rate = settings.rateAt(s);
        points.push({ t: s, rate, desired, ready: pods, perReplica: rate / Math.max(1, pods), floor: 0 });
      }
      await wired.run(PUSH_AT + (t + STEP_SECONDS) * 1000);
    }
  } finally {
    await wired.close();
  }
  return points;
}
