import {
  type AnnouncedPush,
  decideReplicas,
  emptyScalerState,
  type PodSample,
  prescaleMinimum,
  type ScalerState,
} from '@mpstack/operator';

/** Settings of one simulated run; times in seconds relative to the push start. */
export interface SimulationSettings {
  readonly from: number;
  readonly until: number;
  readonly pushRate: (t: number) => number;
  readonly backgroundRate: number;
  readonly requestsPerMessage: number;
  readonly target: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scrapeSeconds: number;
  readonly startupSeconds: number;
  readonly push?: { readonly announce: AnnouncedPush; readonly leadSeconds: number; readonly peakFactor: number };
}

export interface Point {
  readonly t: number;
  readonly rate: number;
  readonly desired: number;
  readonly ready: number;
  readonly perReplica: number;
  readonly floor: number;
}

interface Pod {
  readonly name: string;
  readonly readyAt: number;
  served: number;
  lastScrape?: { readonly count: number; readonly at: number };
}

/** The sample a scrape of this pod yields: a rate from its previous scrape, if any (like the pod-scrape source). */
function scrape(pod: Pod, t: number): PodSample {
  const isReady = t >= pod.readyAt;
  const previous = pod.lastScrape;
  pod.lastScrape = { count: pod.served, at: t };
  const rate = previous === undefined ? undefined : (pod.served - previous.count) / (t - previous.at);
  return { name: pod.name, phase: 'Running', isReady, rate };
}

/**
 * A one-second-step model of a Deployment under the autoscaler: traffic is spread evenly
 * over ready pods; every `scrapeSeconds` the pods are scraped and `decideReplicas` runs (the
 * HPA's 15 s sync); new pods serve after `startupSeconds`; scale-down removes pods at once.
 * Only the decision logic is real; the cluster is this loop.
 */
export function simulate(settings: SimulationSettings): Point[] {
  let serial = 0;
  const newPod = (t: number, warm: boolean): Pod => ({
    name: `pod-${serial++}`,
    readyAt: warm ? t : t + settings.startupSeconds,
    served: 0,
  });
  const pods: Pod[] = Array.from({ length: settings.minReplicas }, () => newPod(settings.from, true));
  let state: ScalerState = emptyScalerState;
  let floor = 0;
  const points: Point[] = [];
  for (let t = settings.from; t <= settings.until; t++) {
    const rate = settings.backgroundRate + settings.pushRate(t) * settings.requestsPerMessage;
    const ready = pods.filter((p) => t >= p.readyAt);
    for (const pod of ready) pod.served += rate / ready.length;
    if ((t - settings.from) % settings.scrapeSeconds === 0) {
      const samples = pods.map((p) => scrape(p, t));
      const push = settings.push;
      floor =
        push === undefined
          ? 0
          : prescaleMinimum({
              now: t * 1000,
              pushes: [push.announce],
              requestsPerMessage: settings.requestsPerMessage,
              targetPerReplica: settings.target,
              leadSeconds: push.leadSeconds,
              peakFactor: push.peakFactor,
              baselineRate: settings.backgroundRate,
            });
      const decision = decideReplicas(
        {
          now: t * 1000,
          currentReplicas: pods.length,
          minReplicas: settings.minReplicas,
          maxReplicas: settings.maxReplicas,
          metrics: [{ kind: 'podRates', pods: samples, target: settings.target }],
          floor,
        },
        state,
      );
      state = decision.state;
      while (pods.length < decision.replicas) pods.push(newPod(t, false));
      if (pods.length > decision.replicas) pods.splice(decision.replicas);
    }
    const readyNow = Math.max(ready.length, 1);
    points.push({ t, rate, desired: pods.length, ready: ready.length, perReplica: rate / readyNow, floor });
  }
  return points;
}
