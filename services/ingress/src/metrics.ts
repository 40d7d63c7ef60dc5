import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';

interface Series {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Request metrics by account, message type and outcome. The operator scales the ingress
 * on `mpstack_requests_total` (its rate per pod), so every request is counted exactly once.
 *
 * The counter is observable: a request only bumps a number in a map, and the series are
 * reported when `/metrics` is scraped. Recording through the synchronous OpenTelemetry API
 * hashes the attribute set on every call, a measurable share of the webhook's budget.
 */
export class IngressMetrics {
  private readonly series = new Map<string, Series>();
  private readonly durationAttributes = new Map<string, Attributes>();
  private readonly duration: Histogram;
  private readonly spooled: Counter;
  private readonly receiptMessages: Counter;
  private readonly receiptsGrouped: Counter;

  constructor(meter: Meter) {
    meter
      .createObservableCounter('mpstack_requests_total', {
        description: 'Webhook requests by account, message type and outcome',
      })
      .addCallback((result) => {
        for (const { attributes, count } of this.series.values()) result.observe(count, attributes);
      });
    this.duration = meter.createHistogram('mpstack_request_duration_seconds', {
      description: 'Webhook request handling time',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] },
    });
    this.spooled = meter.createCounter('mpstack_spooled_messages_total', {
      description: 'Messages written to the broker-outage spool',
    });
    this.receiptMessages = meter.createCounter('mpstack_receipt_messages_total', {
      description: 'Messages of mpstack.receipts handed over (one per group of delivery receipts)',
    });
    this.receiptsGrouped = meter.createCounter('mpstack_receipts_grouped_total', {
      description: 'Delivery receipts handed over in those messages',
    });
  }

  record(account: string, msgType: string, outcome: string, seconds: number): void {
    const key = `${account}\u0000${msgType}\u0000${outcome}`;
    const existing = this.series.get(key);
    if (existing === undefined) {
      this.series.set(key, {
        attributes: { service: 'ingress', account, msg_type: msgType, outcome },
        count: 1,
      });
    } else {
      existing.count++;
    }
    this.duration.record(seconds, this.outcomeAttributes(outcome));
  }

  /** One group of `receipts` delivery receipts handed over as one message (their ratio: the mean group). */
  recordReceiptGroup(receipts: number): void {
    this.receiptMessages.add(1);
    this.receiptsGrouped.add(receipts);
  }

  recordSpooled(account: string): void {
    this.spooled.add(1, { account });
  }

  private outcomeAttributes(outcome: string): Attributes {
    let attributes = this.durationAttributes.get(outcome);
    if (attributes === undefined) {
      attributes = { service: 'ingress', outcome };
      this.durationAttributes.set(outcome, attributes);
    }
    return attributes;
  }
}
