import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context as OtelContext,
} from '@opentelemetry/api';
import type { Config } from '../config.js';

/**
 * OpenTelemetry traces, sent over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per
 * GraphQL operation, database statement, publish and delivery. A live event carries its publish's
 * W3C trace context (`traceparent`), so its delivery on any replica joins the trace of the send.
 *
 * Off, every helper here is one boolean test and a direct call; the SDK is not even loaded.
 */
let enabled = false;
const tracer = () => trace.getTracer('chat-server');

/** The W3C trace context of a span, as carried inside a live event. */
export type TraceCarrier = Record<string, string>;

export interface Tracing {
  /** Sends the spans still buffered, then stops tracing. */
  close(): Promise<void>;
}

/** Starts tracing for this process when the settings ask for it; null otherwise. */
export async function startTracing(settings: Config['tracing']): Promise<Tracing | null> {
  if (!settings) return null;
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, core, hooks] =
    await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/core'),
      import('@opentelemetry/context-async-hooks'),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 500 })],
  });
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  return {
    async close() {
      enabled = false;
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Runs `work` in a span named `name` (a child of the active span, or of `parent`), recording a
 * failure; without tracing, just runs it.
 */
export function traced<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  options: { kind?: SpanKind; parent?: OtelContext } = {},
): Promise<T> {
  if (!enabled) return work();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A publish: its span, with the trace context handed to `work` to carry inside the event. */
export function tracedPublish<T>(channel: string, work: (carrier: TraceCarrier | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return work(undefined);
  return traced(
    `publish ${channel.split(':').slice(0, 2).join(':')}`,
    { 'messaging.system': 'redis', 'messaging.destination.name': channel, 'messaging.operation.type': 'send' },
    () => {
      const carrier: TraceCarrier = {};
      propagation.inject(context.active(), carrier);
      return work(carrier);
    },
    { kind: SpanKind.PRODUCER },
  );
}

/** A live event turned into a result on this replica, in the trace of the event's publish. */
export function tracedDelivery<T>(field: string, event: unknown, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const carrier = (event as { trace?: TraceCarrier } | null)?.trace;
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  const type = (event as { type?: unknown } | null)?.type;
  return traced(
    `deliver ${field}`,
    {
      'messaging.operation.type': 'process',
      'graphql.field': field,
      ...(typeof type === 'string' ? { 'chat.event': type } : {}),
    },
    work,
    { kind: SpanKind.CONSUMER, parent },
  );
}

/** Whether spans are being made (to instrument a driver only then). */
export const tracingEnabled = () => enabled;

export { SpanKind };
