import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Link,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';
import { tracingEnabled } from './spans.js';

/**
 * W3C trace context across NATS and the event store: injected into a request's headers, into a
 * JetStream message's headers and into an event's metadata (`traceparent`), and extracted on
 * the other side, with the propagators the SDK configured (OTEL_PROPAGATORS; W3C by default).
 */

const natsSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const natsGetter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => carrier?.keys() ?? [],
};

/** Writes the active trace context into a NATS message's headers (nothing when tracing is off). */
export function injectTraceHeaders(headers: MsgHdrs, from: Context = context.active()): void {
  if (tracingEnabled()) propagation.inject(from, headers, natsSetter);
}

/** The trace context a NATS message's headers carry (the root context when none). */
export function contextFromHeaders(headers: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers, natsGetter);
}

/** The active span as a `traceparent` value, for an event's metadata; undefined when tracing is off. */
export function activeTraceparent(): string | undefined {
  if (!tracingEnabled()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored `traceparent` names (the root context when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** A link to the span a `traceparent` names, or undefined when it names none. */
export function linkTo(traceparent: string | undefined): Link | undefined {
  const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

/** The trace context of a consumed event: its JetStream headers' (the relay's publish span), else its metadata's (the append). */
export function contextOfEvent(headers: MsgHdrs | undefined, metadataTraceparent: string | undefined): Context {
  const fromHeaders = contextFromHeaders(headers);
  return trace.getSpanContext(fromHeaders) ? fromHeaders : contextFromTraceparent(metadataTraceparent);
}

/** The `traceparent` a consumed event's JetStream headers carry, else its metadata's. */
export function traceparentOfEvent(headers: MsgHdrs | undefined, metadataTraceparent: string | undefined): string | undefined {
  return headers?.get('traceparent') || metadataTraceparent;
}
