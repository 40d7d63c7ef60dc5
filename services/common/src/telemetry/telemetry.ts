import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, context, type Meter, propagation, type Tracer, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ParentBasedSampler, type SpanExporter, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TelemetryOptions {
  readonly service: string;
  /** Fraction of root traces recorded (0..1). Context is always propagated. */
  readonly traceSampleRatio: number;
  /** Where finished spans go; none means spans are sampled but not exported. */
  readonly spanExporter?: SpanExporter;
  /** Install the tracer provider globally (once per process). */
  readonly registerGlobalTracer?: boolean;
}

export interface Telemetry {
  readonly meter: Meter;
  readonly tracer: Tracer;
  /** Serves the Prometheus text exposition of this service's metrics. */
  metricsHandler(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

let globalTracerInstalled = false;

/**
 * OpenTelemetry for one service: metrics through a Prometheus reader that serves
 * `/metrics` on the service's own port (the operator scrapes it to scale), traces with
 * W3C trace-context propagation across HTTP and AMQP.
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': `mpstack-${options.service}` });
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [exporter] });
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.traceSampleRatio) }),
    spanProcessors: options.spanExporter === undefined ? [] : [new BatchSpanProcessor(options.spanExporter)],
  });
  if (options.registerGlobalTracer !== false && !globalTracerInstalled) {
    tracerProvider.register();
    globalTracerInstalled = true;
  }
  return {
    meter: meterProvider.getMeter(`mpstack-${options.service}`),
    tracer: tracerProvider.getTracer(`mpstack-${options.service}`),
    metricsHandler: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: async () => {
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}

/** Writes the active trace context into message headers (AMQP) or HTTP headers. */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers);
}

/** Reads a trace context from incoming headers. */
export function extractTraceContext(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  return propagation.extract(context.active(), headers);
}

export { context, trace };
