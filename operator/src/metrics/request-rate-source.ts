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

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090. */
  readonly url: string;
  readonly clock: () => number;
  readonly timeoutMs?: number;
  /** A result whose timestamp is older than this is stale (default 60 s). */
  readonly maxAgeMs?: number;
  readonly fetch?: Fetch;
}

interface VectorResponse {
  readonly status?: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType?: string;
    readonly result?: readonly { readonly value?: readonly unknown[] }[];
  };
}

/** The PromQL for one service's request rate. Label values are escaped for a double-quoted string. */
export function rateQuery(service: string): string {
  const escaped = service.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `sum(rate(${requestCounter}{service="${escaped}"}[1m]))`;
}

function readVector(body: VectorResponse, now: number, maxAgeMs: number): number | string {
  if (body.status !== 'success') return `query failed: ${body.error ?? 'unknown error'}`;
  if (body.data?.resultType !== 'vector') return 'query did not return a vector';
  const first = body.data.result?.[0]?.value;
  if (first === undefined) return 'no series (the service exposes no request counter yet)';
  const [at, text] = first;
  const value = Number(text);
  if (typeof at !== 'number' || !Number.isFinite(value)) return 'malformed sample';
  if (now - at * 1000 > maxAgeMs) return 'stale sample';
  return value;
}

/**
 * Reads a service's total request rate from Prometheus (`/api/v1/query`). The result is a
 * service-wide total, so the autoscaler divides it by the target per replica.
 */
export function createPrometheusSource(options: PrometheusSourceOptions): RequestRateSource {
  const fetchFn = options.fetch ?? fetch;
  return {
    async read({ service, target }) {
      const url = `${options.url.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(rateQuery(service))}`;
      try {
        const response = await fetchFn(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
        if (!response.ok) return { kind: 'unavailable', reason: `Prometheus answered HTTP ${response.status}` };
        const result = readVector(
          (await response.json()) as VectorResponse,
          options.clock(),
          options.maxAgeMs ?? 60_000,
        );
        if (typeof result === 'string') return { kind: 'unavailable', reason: `Prometheus: ${result}` };
        return { kind: 'total', total: result, targetPerReplica: target };
      } catch (error) {
        return { kind: 'unavailable', reason: `Prometheus: ${String(error)}` };
      }
    },
  };
}
