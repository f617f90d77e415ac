import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { withLogContext } from '../log-context.js';

export { SpanKind };

/** The tracer of our own spans; instrumentations (GraphQL, HTTP, pg) add theirs under their own names. */
const tracer = trace.getTracer('cqrs-graphql-gateway');

let enabled = false;

/**
 * Whether this process exports traces (startTelemetry turned the SDK on). Off, our spans are not
 * even started: the hot paths pay one boolean test, not the API's no-op objects.
 */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Set by startTelemetry (and by tests of pure code). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The parent (default: the active context): e.g. the context a message's headers carried. */
  parent?: Context | undefined;
  /** Spans this one follows from without being their child (a batch of events from several traces). */
  links?: Link[];
  attributes?: Attributes;
}

/**
 * Runs `work` in a span named `name`, active for everything `work` awaits (so that spans and
 * log lines inside it join its trace); records what `work` throws and ends the span either
 * way. With tracing off it only runs `work`.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return work(undefined);
  const { span, active } = begin(name, options);
  try {
    return await context.with(active, () => work(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The same as inSpan for synchronous work (a decider's decide). */
export function inSpanSync<T>(name: string, options: SpanOptions, work: () => T): T {
  if (!enabled) return work();
  const { span, active } = begin(name, options);
  try {
    return context.with(active, work);
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Runs `work` with no span active, so that the statements it sends make no spans
 * (instrumentation-pg records a statement only under a parent); its log lines keep the trace id
 * of the span that was active. For work whose own span says all there is to see at a fraction of
 * the cost: a projection batch's few set-based statements.
 */
export function withoutStatementSpans<T>(work: () => T): T {
  if (!enabled) return work();
  const active = context.active();
  const traceId = trace.getSpan(active)?.spanContext().traceId;
  return context.with(trace.deleteSpan(active), () => (traceId ? withLogContext({ traceId }, work) : work()));
}

/** Starts a span under its parent (default: the active context) and the context in which it is active. */
function begin(name: string, options: SpanOptions): { span: Span; active: Context } {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      ...(options.kind === undefined ? {} : { kind: options.kind }),
      ...(options.links ? { links: options.links } : {}),
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    parent,
  );
  return { span, active: trace.setSpan(parent, span) };
}

/** Marks a span failed with what was thrown: its class and our error code when it has one. */
export function markFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute('cqrs.error.code', code);
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The trace id of the active span, for log lines; undefined when tracing is off or no span is active. */
export function activeTraceId(): string | undefined {
  if (!enabled) return undefined;
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
