import type { Instrumentation } from '@opentelemetry/instrumentation';
import { setTracingEnabled } from './spans.js';
import { sanitizedSqlText } from './sql-text.js';

/** The semantic conventions' attribute for a statement's text (@opentelemetry/semantic-conventions' ATTR_DB_QUERY_TEXT). */
const ATTR_DB_QUERY_TEXT = 'db.query.text';

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
    instrumentations: await instrumentationsOf(service, env),
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
 * The instrumentations each service uses by default, by the names OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS
 * take: `pg` only in the read-service (OTEL_NODE_ENABLED_INSTRUMENTATIONS=pg adds the write-service's
 * statements). `http` is not among them: the gateway's own middleware (gateway/trace-requests.ts)
 * continues the client's trace without a span of its own, for much less;
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS=graphql,http adds the request's span.
 */
const INSTRUMENTATIONS: Record<ServiceName, readonly string[]> = {
  gateway: ['graphql'],
  // A command's two statements are inside our spans (the state's load in the command's or saga
  // step's, before its decide; the append in `append`): as spans of their own they were a quarter
  // of the service's spans, and the heaviest (decision #49).
  'write-service': [],
  'read-service': ['pg'],
};

/** Names in a comma-separated variable; undefined when unset. */
function names(raw: string | undefined): Set<string> | undefined {
  if (!raw) return undefined;
  return new Set(
    raw
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
}

/**
 * The gateway: GraphQL (graphql.parse / validate / execute spans, named by the operation; each
 * document's text made once, graphql-instrumentation.ts). pg
 * (by default the read-service's): only inside a traced request or event (no spans for the relay's
 * and runners' polling), each statement's text without its string literals (sql-text.ts). As with
 * @opentelemetry/auto-instrumentations-node, OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only those
 * named, OTEL_NODE_DISABLED_INSTRUMENTATIONS drops those named (our own spans stay either way).
 */
async function instrumentationsOf(service: ServiceName, env: NodeJS.ProcessEnv): Promise<Instrumentation[]> {
  const enabled = names(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = names(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  const offered = enabled ? [...enabled] : INSTRUMENTATIONS[service];
  const wanted = offered.filter((name) => !disabled?.has(name));
  const instrumentations: Instrumentation[] = [];
  if (wanted.includes('graphql')) {
    const { graphqlInstrumentation } = await import('./graphql-instrumentation.js');
    instrumentations.push(graphqlInstrumentation({ mergeItems: true, ignoreResolveSpans: true }));
  }
  if (wanted.includes('http')) {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    instrumentations.push(
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => request.url === '/metrics' || request.url === '/healthz' }),
    );
  }
  if (wanted.includes('pg')) {
    const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
    instrumentations.push(
      new PgInstrumentation({
        requireParentSpan: true,
        // Only for a span that is recorded: an unsampled statement's text is never read.
        requestHook: (span, { query }) => {
          if (span.isRecording()) span.setAttribute(ATTR_DB_QUERY_TEXT, sanitizedSqlText(query.text));
        },
      }),
    );
  }
  return instrumentations;
}
