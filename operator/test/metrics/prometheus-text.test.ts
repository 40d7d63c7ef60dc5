import assert from 'node:assert/strict';
import {
  CounterRateTracker,
  counterRate,
  ExpositionError,
  parseExposition,
  sumSeries,
} from '../../src/metrics/index.js';

const scrape = `# HELP mpstack_requests_total Webhook requests by account, message type and outcome
# TYPE mpstack_requests_total counter
mpstack_requests_total{service="ingress",account="plain",msg_type="text",outcome="replied"} 12
mpstack_requests_total{service="ingress",account="aes",msg_type="event",outcome="forwarded"} 30 1700000000000
mpstack_request_duration_seconds_bucket{le="+Inf",outcome="replied"} 42
weird_label{path="a\\"b\\\\c\\nd"} NaN
no_labels 1.5e3

`;

describe('metrics/prometheus-text: parseExposition', () => {
  it('reads samples with labels, escapes, timestamps, NaN and exponents, skipping comments', () => {
    const samples = parseExposition(scrape);
    assert.equal(samples.length, 5);
    assert.deepEqual(samples[0], {
      name: 'mpstack_requests_total',
      labels: { service: 'ingress', account: 'plain', msg_type: 'text', outcome: 'replied' },
      value: 12,
    });
    assert.equal(samples[2]?.labels['le'], '+Inf');
    assert.equal(samples[3]?.labels['path'], 'a"b\\c\nd');
    assert.ok(Number.isNaN(samples[3]?.value));
    assert.equal(samples[4]?.value, 1500);
  });

  it('sums a counter over all its label sets and says undefined when it is absent', () => {
    const samples = parseExposition(scrape);
    assert.equal(sumSeries(samples, 'mpstack_requests_total'), 42);
    assert.equal(sumSeries(samples, 'nope_total'), undefined);
  });

  for (const [text, why] of [
    ['m{a="1"', 'unterminated labels'],
    ['m{a=1} 2', 'unquoted label value'],
    ['m{a="x\\q"} 2', 'unknown escape'],
    ['m 1 2 3', 'too many fields'],
    ['m abc', 'non-numeric value'],
    ['1m 2', 'bad metric name'],
    ['m 1 12.5', 'fractional timestamp'],
  ] as const) {
    it(`rejects the whole scrape on a malformed line (${why})`, () => {
      assert.throws(
        () => parseExposition(`ok 1\n${text}\n`),
        (e: unknown) => e instanceof ExpositionError && e.line === 2,
      );
    });
  }
});

describe('metrics/counter-rate', () => {
  it('is the increase over the interval; a reset counts from zero; no rate without a previous reading', () => {
    assert.equal(counterRate(undefined, { value: 10, at: 1000 }), undefined);
    assert.equal(counterRate({ value: 100, at: 0 }, { value: 400, at: 15_000 }), 20);
    assert.equal(counterRate({ value: 1000, at: 0 }, { value: 150, at: 15_000 }), 10, 'reset: 150 new requests');
    assert.equal(counterRate({ value: 1, at: 5 }, { value: 2, at: 5 }), undefined);
  });

  it('the tracker forgets readings older than maxAge and pods no longer listed', () => {
    const tracker = new CounterRateTracker(60_000);
    assert.equal(tracker.observe('a', { value: 0, at: 0 }), undefined);
    assert.equal(tracker.observe('a', { value: 150, at: 15_000 }), 10);
    assert.equal(tracker.observe('a', { value: 300, at: 120_000 }), undefined, 'a 105 s gap gives no rate');
    tracker.retain(new Set(['b']));
    assert.equal(tracker.observe('a', { value: 400, at: 130_000 }), undefined, 'forgotten');
  });
});
