import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMetricsRouter,
  createPodScrapeSource,
  createPrometheusSource,
  podRateQuery,
  type RequestRateSource,
  type ScrapeTarget,
} from '../../src/metrics/index.js';

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function metricsText(count: number): string {
  return [
    '# TYPE mpstack_requests_total counter',
    `mpstack_requests_total{service="ingress",account="a",msg_type="text",outcome="replied"} ${count}`,
    `mpstack_requests_total{service="ingress",account="b",msg_type="event",outcome="forwarded"} ${count}`,
    '',
  ].join('\n');
}

describe('metrics/request-rate-source: pod scrape (fake /metrics servers on loopback)', () => {
  const counters = new Map<string, number>();
  let server: Server;
  let base: string;
  let now = 1_000_000;

  before(async () => {
    ({ server, url: base } = await serve((req, res) => {
      const pod = req.url?.split('/')[1] ?? '';
      const count = counters.get(pod);
      if (pod === 'hang') return; // never answers: the timeout must cut it
      if (count === undefined) {
        res.writeHead(500).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(metricsText(count));
    }));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const pod = (name: string): ScrapeTarget => ({
    name,
    metricsUrl: `${base}/${name}/metrics`,
    phase: 'Running',
    isReady: true,
  });

  it('turns successive scrapes into per-pod rates (sum over labels); a failed pod is missing, a hung one times out', async () => {
    const source = createPodScrapeSource({ clock: () => now, timeoutMs: 300 });
    counters.set('a', 0).set('b', 100);
    const pods = [pod('a'), pod('b'), pod('down'), pod('hang')];
    const first = await source.read({ service: 'ingress', pods, target: 400 });
    assert.equal(first.kind, 'podRates');
    assert.ok(
      first.kind === 'podRates' && first.pods.every((p) => p.rate === undefined),
      'no rate on the first scrape',
    );
    now += 15_000;
    counters.set('a', 3000).set('b', 50); // b restarted: its counter reset to 50
    const second = await source.read({ service: 'ingress', pods, target: 400 });
    assert.ok(second.kind === 'podRates');
    assert.deepEqual(
      second.pods.map((p) => [p.name, p.rate]),
      [
        ['a', (2 * 3000) / 15],
        ['b', (2 * 50) / 15],
        ['down', undefined],
        ['hang', undefined],
      ],
    );
    assert.equal(second.target, 400);
  });

  it('reports unavailable (so the autoscaler holds) when no pod answers', async () => {
    const source = createPodScrapeSource({ clock: () => now, timeoutMs: 300 });
    const reading = await source.read({ service: 'ingress', pods: [pod('down'), pod('hang')], target: 400 });
    assert.equal(reading.kind, 'unavailable');
  });
});

describe('metrics/prometheus-source: per-pod rates from the Prometheus HTTP API (a stand-in server on loopback)', () => {
  let server: Server;
  let base: string;
  let lastQuery = '';
  let reply: { status: number; body: unknown } = { status: 200, body: {} };
  const now = 1_700_000_000_000;
  const target = (name: string, isReady = true): ScrapeTarget => ({
    name,
    metricsUrl: 'unused',
    phase: 'Running',
    isReady,
  });
  const query = { service: 'ingress', target: 400, namespace: 'wechat' };

  before(async () => {
    ({ server, url: base } = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/v1/query') {
        res.writeHead(404).end();
        return;
      }
      lastQuery = url.searchParams.get('query') ?? '';
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    }));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const vector = (series: readonly [pod: string, value: string, at?: number][]) => ({
    status: 'success',
    data: {
      resultType: 'vector',
      result: series.map(([pod, value, at]) => ({ metric: { pod }, value: [at ?? now / 1000, value] })),
    },
  });

  it('asks for the rate per pod of exactly these pods in the platform namespace and returns per-pod rates', async () => {
    reply = {
      status: 200,
      body: vector([
        ['wx-ingress-a', '120.5'],
        ['wx-ingress-b', '80'],
      ]),
    };
    const source = createPrometheusSource({ url: `${base}/`, clock: () => now });
    const reading = await source.read({
      ...query,
      pods: [target('wx-ingress-a'), target('wx-ingress-b'), target('wx-ingress-c', false)],
    });
    assert.equal(
      lastQuery,
      'sum by (pod) (rate(mpstack_requests_total{namespace="wechat",pod=~"wx-ingress-a|wx-ingress-b|wx-ingress-c"}[1m]))',
    );
    assert.equal(reading.kind, 'podRates');
    assert.deepEqual(reading.kind === 'podRates' ? reading.pods.map((p) => [p.name, p.rate, p.isReady]) : [], [
      ['wx-ingress-a', 120.5, true],
      ['wx-ingress-b', 80, true],
      ['wx-ingress-c', undefined, false],
    ]);
  });

  it('escapes what PromQL strings and RE2 would read as syntax', () => {
    assert.equal(
      podRateQuery('a"b', ['x.y', 'z'], '2m'),
      'sum by (pod) (rate(mpstack_requests_total{namespace="a\\"b",pod=~"x\\\\.y|z"}[2m]))',
    );
  });

  for (const [why, next] of [
    ['an empty vector (no series)', { status: 200, body: vector([]) }],
    ['only stale samples', { status: 200, body: vector([['wx-ingress-a', '5', now / 1000 - 120]]) }],
    ['an error status', { status: 200, body: { status: 'error', error: 'parse error' } }],
    ['HTTP 503', { status: 503, body: {} }],
  ] as const) {
    it(`is unavailable (the autoscaler holds) on ${why}`, async () => {
      reply = next;
      const source = createPrometheusSource({ url: base, clock: () => now });
      assert.equal((await source.read({ ...query, pods: [target('wx-ingress-a')] })).kind, 'unavailable');
    });
  }

  it('is unavailable when Prometheus cannot be reached', async () => {
    const source = createPrometheusSource({ url: 'http://127.0.0.1:1', clock: () => now, timeoutMs: 500 });
    assert.equal((await source.read({ ...query, pods: [target('wx-ingress-a')] })).kind, 'unavailable');
  });

  it('routes each platform to its spec.metrics source, one Prometheus client per URL', async () => {
    const seen: string[] = [];
    const named = (name: string): RequestRateSource => ({
      read: async () => {
        seen.push(name);
        return { kind: 'unavailable', reason: name };
      },
    });
    const made: string[] = [];
    const router = createMetricsRouter({
      pods: named('pods'),
      prometheus: (url) => {
        made.push(url);
        return named(url);
      },
    });
    await router.read({ ...query, pods: [] });
    await router.read({ ...query, pods: [], metrics: { source: 'pods' } });
    await router.read({ ...query, pods: [], metrics: { source: 'prometheus', prometheusUrl: 'http://p1:9090' } });
    await router.read({ ...query, pods: [], metrics: { source: 'prometheus', prometheusUrl: 'http://p1:9090' } });
    await router.read({ ...query, pods: [], metrics: { source: 'prometheus', prometheusUrl: 'http://p2:9090' } });
    assert.deepEqual(seen, ['pods', 'pods', 'http://p1:9090', 'http://p1:9090', 'http://p2:9090']);
    assert.deepEqual(made, ['http://p1:9090', 'http://p2:9090']);
  });
});
