import type { MetricReading } from '../scaling/decide.js';
import { type Fetch, type RateQuery, type RequestRateSource, requestCounter } from './request-rate-source.js';

/**
 * `spec.metrics.source: prometheus`: request rates read from a Prometheus that scrapes the
 * platform's pods (the chart's ServiceMonitor, or any scrape config that keeps the
 * `namespace` and `pod` labels Kubernetes service discovery gives every target). The reading
 * is per pod, like the pod scrape's, so the HPA algorithm treats missing and unready pods the
 * same way whichever source measured them.
 */

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090. */
  readonly url: string;
  readonly clock: () => number;
  readonly timeoutMs?: number;
  /** A sample older than this is stale (default 60 s). */
  readonly maxAgeMs?: number;
  /** The `rate()` range (default `1m`: at least twice the scrape interval). */
  readonly window?: string;
  readonly fetch?: Fetch;
}

interface VectorResponse {
  readonly status?: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType?: string;
    readonly result?: readonly { readonly metric?: Record<string, string>; readonly value?: readonly unknown[] }[];
  };
}

/** A label value inside a double-quoted PromQL string. */
const quoted = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
/** A literal inside an RE2 alternation (pod names are DNS labels; anything else is escaped). */
const literal = (value: string) => value.replace(/[^a-z0-9-]/g, (c) => `\\${c}`);

/** The PromQL for the per-pod request rate of these pods of one namespace. */
export function podRateQuery(namespace: string, pods: readonly string[], window = '1m'): string {
  const names = quoted(pods.map(literal).join('|'));
  return `sum by (pod) (rate(${requestCounter}{namespace="${quoted(namespace)}",pod=~"${names}"}[${window}]))`;
}

function ratesByPod(body: VectorResponse, now: number, maxAgeMs: number): Map<string, number> | string {
  if (body.status !== 'success') return `query failed: ${body.error ?? 'unknown error'}`;
  if (body.data?.resultType !== 'vector') return 'query did not return a vector';
  const rates = new Map<string, number>();
  for (const series of body.data.result ?? []) {
    const pod = series.metric?.['pod'];
    const [at, text] = series.value ?? [];
    const value = Number(text);
    if (pod === undefined || typeof at !== 'number' || !Number.isFinite(value)) continue;
    if (now - at * 1000 <= maxAgeMs) rates.set(pod, value);
  }
  return rates;
}

async function query(options: PrometheusSourceOptions, promql: string): Promise<VectorResponse> {
  const url = `${options.url.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as VectorResponse;
}

/** Reads per-pod rates from Prometheus; a failed query or no series at all is `unavailable` (hold). */
export function createPrometheusSource(options: PrometheusSourceOptions): RequestRateSource {
  return {
    async read({ service, pods, target, namespace }: RateQuery): Promise<MetricReading> {
      if (pods.length === 0) return { kind: 'podRates', pods: [], target };
      if (namespace === undefined) return { kind: 'unavailable', reason: 'Prometheus: no namespace to query' };
      let rates: Map<string, number> | string;
      try {
        const promql = podRateQuery(
          namespace,
          pods.map((p) => p.name),
          options.window,
        );
        rates = ratesByPod(await query(options, promql), options.clock(), options.maxAgeMs ?? 60_000);
      } catch (error) {
        return { kind: 'unavailable', reason: `Prometheus: ${String(error)}` };
      }
      if (typeof rates === 'string') return { kind: 'unavailable', reason: `Prometheus: ${rates}` };
      if (rates.size === 0) {
        return { kind: 'unavailable', reason: `Prometheus: no fresh series for any pod of ${service}` };
      }
      const samples = pods.map((pod) => ({
        name: pod.name,
        phase: pod.phase,
        isReady: pod.isReady,
        isDeleting: pod.isDeleting ?? false,
        rate: rates.get(pod.name),
      }));
      return { kind: 'podRates', pods: samples, target };
    },
  };
}

/**
 * The operator's rate source: each platform's `spec.metrics.source` picks the pod scrape or
 * a Prometheus (one client per URL), so platforms of both kinds run side by side.
 */
export function createMetricsRouter(options: {
  readonly pods: RequestRateSource;
  readonly prometheus: (url: string) => RequestRateSource;
}): RequestRateSource {
  const byUrl = new Map<string, RequestRateSource>();
  return {
    read(rateQuery) {
      const url = rateQuery.metrics?.source === 'prometheus' ? rateQuery.metrics.prometheusUrl : undefined;
      if (url === undefined) return options.pods.read(rateQuery);
      const source = byUrl.get(url) ?? options.prometheus(url);
      byUrl.set(url, source);
      return source.read(rateQuery);
    },
  };
}
