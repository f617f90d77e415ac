import type { Instrumentation } from '@opentelemetry/instrumentation';
import { setTracingEnabled } from './spans.js';

export type ServiceName = 'gateway' | 'write-service' | 'read-service';

export interface Telemetry {
  /** Whether this process exports traces. */
  readonly tracing: boolean;
  /** The service, stopping which also flushes and stops the SDK (the last spans are exported). */
  around<S extends { stop(): Promise<void> }>(service: S): S;
}

/**
 * Whether the environment asks for traces: OTEL_TRACES_EXPORTER set to an exporter (not
 * "none"), or an OTLP endpoint given, and OTEL_SDK_DISABLED not true. Unconfigured, nothing
 * starts: the OpenTelemetry API stays a no-op and our spans are skipped (tracingEnabled).
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return !exporters.includes('none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry Node SDK for a service when the environment asks for traces, with
 * everything else from the standard OTEL_* variables (exporter, endpoint, protocol including
 * http/json, sampler, resource attributes; OTEL_SERVICE_NAME over the service's own name).
 * Metrics stay with Prometheus (platform/metrics.ts) and logs with pino unless OTEL_METRICS_EXPORTER
 * or OTEL_LOGS_EXPORTER ask otherwise. Call it before the service's modules load: the GraphQL,
 * HTTP and pg instrumentations patch those modules as they are first required.
 */
export async function startTelemetry(service: ServiceName, env: NodeJS.ProcessEnv = process.env): Promise<Telemetry> {
  if (!tracingRequested(env)) return { tracing: false, around: (running) => running };
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }),
    instrumentations: await instrumentationsOf(service),
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  setTracingEnabled(true);
  return {
    tracing: true,
    around: (running) => {
      const stop = running.stop.bind(running);
      return Object.assign(running, {
        async stop() {
          try {
            await stop();
          } finally {
            await sdk.shutdown().catch(() => undefined);
          }
        },
      });
    },
  };
}

/**
 * The gateway: GraphQL (graphql.parse / validate / execute spans, named by the operation) and
 * HTTP (the request's server span, continuing a client's traceparent). The services: pg, only
 * inside a traced request or event (no spans for the relay's and runners' polling).
 */
async function instrumentationsOf(service: ServiceName): Promise<Instrumentation[]> {
  if (service === 'gateway') {
    const [{ GraphQLInstrumentation }, { HttpInstrumentation }] = await Promise.all([
      import('@opentelemetry/instrumentation-graphql'),
      import('@opentelemetry/instrumentation-http'),
    ]);
    return [
      new GraphQLInstrumentation({ mergeItems: true, ignoreResolveSpans: true }),
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url === '/metrics' || request.url === '/healthz' }),
    ];
  }
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  return [new PgInstrumentation({ requireParentSpan: true })];
}
