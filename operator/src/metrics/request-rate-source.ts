import type { MetricReading } from '../scaling/decide.js';
import type { PodPhase } from '../scaling/scaling.types.js';
import { CounterRateTracker } from './counter-rate.js';
import { parseExposition, sumSeries } from './prometheus-text.js';

/** The counter every mpstack service exposes; the rate of its sum over labels is the load. */
export const requestCounter = 'mpstack_requests_total';

export type Fetch = (url: string, init?: { readonly signal?: AbortSignal }) => Promise<Response>;

/** A pod to scrape: its name, `/metrics` URL and state from the pod list. */
export interface ScrapeTarget {
  readonly name: string;
  readonly metricsUrl: string;
  readonly phase: PodPhase;
  readonly isReady: boolean;
  readonly isDeleting?: boolean;
}

export interface RateQuery {
  readonly service: string;
  readonly pods: readonly ScrapeTarget[];
  /** Target requests per second per replica, carried into the reading. */
  readonly target: number;
  /** The platform's namespace (Prometheus series are labelled with it). */
  readonly namespace?: string;
  /** The platform's `spec.metrics`: which source to read (see `createMetricsRouter`). */
  readonly metrics?: { readonly source: 'pods' | 'prometheus'; readonly prometheusUrl?: string };
}

/** Where request rates come from; the result goes straight into `decideReplicas`. */
export interface RequestRateSource {
  read(query: RateQuery): Promise<MetricReading>;
}

export interface PodScrapeOptions {
  readonly clock: () => number;
  readonly timeoutMs?: number;
  /** A previous reading older than this gives no rate (default: 4 scrape intervals of 15 s). */
  readonly maxAgeMs?: number;
  readonly fetch?: Fetch;
}

async function scrapeCounter(fetchFn: Fetch, url: string, timeoutMs: number): Promise<number | undefined> {
  const response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return sumSeries(parseExposition(await response.text()), requestCounter);
}

/**
 * Scrapes every pod's `/metrics` and turns successive counter readings into per-pod rates.
 * A pod whose scrape fails has no rate (the calculator treats it as missing); when no pod
 * answers at all the reading is `unavailable`, and the autoscaler holds.
 */
export function createPodScrapeSource(options: PodScrapeOptions): RequestRateSource {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  const trackers = new Map<string, CounterRateTracker>();
  return {
    async read({ service, pods, target }) {
      const tracker = trackers.get(service) ?? new CounterRateTracker(options.maxAgeMs ?? 60_000);
      trackers.set(service, tracker);
      tracker.retain(new Set(pods.map((p) => p.name)));
      const results = await Promise.allSettled(pods.map((p) => scrapeCounter(fetchFn, p.metricsUrl, timeoutMs)));
      const at = options.clock();
      const failures: string[] = [];
      const samples = pods.map((pod, i) => {
        const result = results[i];
        let rate: number | undefined;
        if (result?.status === 'fulfilled' && result.value !== undefined) {
          rate = tracker.observe(pod.name, { value: result.value, at });
        } else {
          failures.push(`${pod.name}: ${result?.status === 'rejected' ? String(result.reason) : 'no counter'}`);
        }
        return { name: pod.name, phase: pod.phase, isReady: pod.isReady, isDeleting: pod.isDeleting ?? false, rate };
      });
      if (pods.length > 0 && failures.length === pods.length) {
        return { kind: 'unavailable', reason: `no pod of ${service} answered: ${failures.join('; ')}` };
      }
      return { kind: 'podRates', pods: samples, target };
    },
  };
}
