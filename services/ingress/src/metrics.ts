import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/**
 * Request metrics by account, message type and outcome. The operator scales the ingress
 * on `mpstack_requests_total` (its rate per pod), so every request is counted exactly once.
 */
export class IngressMetrics {
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly spooled: Counter;

  constructor(meter: Meter) {
    this.requests = meter.createCounter('mpstack_requests_total', {
      description: 'Webhook requests by account, message type and outcome',
    });
    this.duration = meter.createHistogram('mpstack_request_duration_seconds', {
      description: 'Webhook request handling time',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] },
    });
    this.spooled = meter.createCounter('mpstack_spooled_messages_total', {
      description: 'Messages written to the broker-outage spool',
    });
  }

  record(account: string, msgType: string, outcome: string, seconds: number): void {
    const attributes = { service: 'ingress', account, msg_type: msgType, outcome };
    this.requests.add(1, attributes);
    this.duration.record(seconds, { service: 'ingress', outcome });
  }

  recordSpooled(account: string): void {
    this.spooled.add(1, { account });
  }
}
