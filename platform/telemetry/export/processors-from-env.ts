import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

/**
 * The span processors the OpenTelemetry Node SDK (0.301) makes from OTEL_TRACES_EXPORTER, the
 * OTLP protocol variables and OTEL_BSP_*, made the same way for the exporting thread: `otlp`
 * (the default; `grpc`, `http/json` or `http/protobuf`, each exporter reading its endpoint,
 * headers, compression and timeout itself), `zipkin` and `console` (unbatched, as the SDK does).
 * The SDK keeps its own version internal, so this follows its `getSpanProcessorsFromEnv`.
 */
export async function spanProcessorsFromEnv(): Promise<SpanProcessor[]> {
  let names = [...new Set(getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? [])].filter((name) => name !== 'null');
  if (names[0] === 'none') return [];
  if (names.length === 0 || names.includes('none')) names = ['otlp'];
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    else if (name === 'otlp') processors.push(batched(await otlpExporter()));
    else if (name === 'zipkin') processors.push(batched(new (await import('@opentelemetry/exporter-zipkin')).ZipkinExporter()));
    else diag.warn(`Unrecognized OTEL_TRACES_EXPORTER value: ${name}.`);
  }
  return processors;
}

async function otlpExporter(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  if (protocol !== 'http/protobuf') diag.warn(`Unsupported OTLP traces protocol: ${protocol}. Using http/protobuf.`);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

function batched(exporter: SpanExporter): SpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    ...positive('OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize'),
    ...positive('OTEL_BSP_SCHEDULE_DELAY', 'scheduledDelayMillis'),
    ...positive('OTEL_BSP_EXPORT_TIMEOUT', 'exportTimeoutMillis'),
    ...positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize'),
  });
}

/** A batch setting when its variable holds a positive number (as the SDK reads them; otherwise its default). */
function positive<K extends string>(variable: string, key: K): Partial<Record<K, number>> {
  const value = getNumberFromEnv(variable);
  if (value === undefined) return {};
  if (value <= 0) {
    diag.warn(`${variable} (${value}) is invalid, expected number greater than 0, using default.`);
    return {};
  }
  return { [key]: value } as Partial<Record<K, number>>;
}
