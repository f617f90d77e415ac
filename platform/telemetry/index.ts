/**
 * Tracing (OpenTelemetry): the SDK's start-up for a service's main, and the span and
 * trace-context helpers the services use. Importable before anything else loads.
 */
export { startTelemetry, tracingRequested, type Telemetry, type ServiceName } from './telemetry.js';
export {
  inSpan,
  inSpanSync,
  withoutStatementSpans,
  markFailed,
  activeTraceId,
  tracingEnabled,
  setTracingEnabled,
  SpanKind,
  type SpanOptions,
} from './spans.js';
export {
  injectTraceHeaders,
  contextFromHeaders,
  activeTraceparent,
  contextFromTraceparent,
  contextOfEvent,
  traceparentOfEvent,
  linkTo,
} from './trace-context.js';
