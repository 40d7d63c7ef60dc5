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
  /**
   * Where finished spans go. Without one no span leaves the process: no context manager is
   * installed (see {@link createTelemetry}) and `isTracing` is false, so callers may skip spans.
   */
  readonly spanExporter?: SpanExporter;
  /** Install the tracer provider globally (once per process). */
  readonly registerGlobalTracer?: boolean;
}

export interface Telemetry {
  readonly meter: Meter;
  readonly tracer: Tracer;
  /**
   * Spans are exported (a span exporter is configured). When false a span is never seen by
   * anyone: hot paths skip making them (the WeChat client's span per call).
   */
  readonly isTracing: boolean;
  /** Serves the Prometheus text exposition of this service's metrics. */
  metricsHandler(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

let globalTracerInstalled = false;

/**
 * OpenTelemetry for one service: metrics through a Prometheus reader that serves
 * `/metrics` on the service's own port (the operator scrapes it to scale), traces with
 * W3C trace-context propagation across HTTP and AMQP.
 *
 * The global context manager (AsyncLocalStorage, which carries the active span across
 * `await`) is installed only when spans are exported: on Node 20 it turns on async hooks for
 * every promise of the process (the business service's push profile showed the promise hooks
 * and their allocations on every send, docs/architecture.md §6), and without an exporter no span
 * it parents is ever seen. Explicit propagation (`injectTraceContext(headers, ctx)`, `extractTraceContext`)
 * works either way: the W3C propagator is always installed.
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
  const isTracing = options.spanExporter !== undefined;
  if (options.registerGlobalTracer !== false && !globalTracerInstalled) {
    tracerProvider.register(isTracing ? {} : { contextManager: null });
    globalTracerInstalled = true;
  }
  return {
    meter: meterProvider.getMeter(`mpstack-${options.service}`),
    tracer: tracerProvider.getTracer(`mpstack-${options.service}`),
    isTracing,
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
