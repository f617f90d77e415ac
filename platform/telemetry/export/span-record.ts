import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/**
 * An ended span as plain data, for the exporting thread (export-worker.ts): what the OTLP, Zipkin
 * and console exporters read of a ReadableSpan, without its methods and class instances (the
 * span context's function, TraceState), which a message between threads cannot carry. The
 * resource and the instrumentation scope travel apart, once each (SpanBatch).
 */
export interface SpanRecord {
  name: string;
  kind: SpanKind;
  context: ContextRecord;
  parent: ContextRecord | undefined;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEvent[];
  links: LinkRecord[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  /** Index of the span's instrumentation scope among those the batches carried (SpanBatch.scopes). */
  scope: number;
}

/** A span context with its trace state as the `tracestate` header writes it. */
export interface ContextRecord {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote: boolean | undefined;
  traceState: string | undefined;
}

export interface LinkRecord {
  context: ContextRecord;
  attributes: Attributes | undefined;
  droppedAttributesCount: number | undefined;
}

/** The resource's attributes once settled (resource detection may finish after the first span). */
export interface ResourceRecord {
  attributes: Attributes;
  schemaUrl: string | undefined;
}

/** What one message to the exporting thread carries: spans, and the resource and scopes it has not seen yet. */
export interface SpanBatch {
  resource: ResourceRecord | undefined;
  /** Scopes new since the last batch, in index order after those sent before. */
  scopes: InstrumentationScope[];
  spans: SpanRecord[];
}

const NO_LINKS: LinkRecord[] = [];
const NO_EVENTS: TimedEvent[] = [];

export function toSpanRecord(span: ReadableSpan, scope: number): SpanRecord {
  return {
    name: span.name,
    kind: span.kind,
    context: toContextRecord(span.spanContext()),
    parent: span.parentSpanContext && toContextRecord(span.parentSpanContext),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    // Events hold only plain data (name, time, attributes); links hold a span context each.
    events: span.events.length === 0 ? NO_EVENTS : span.events,
    links: span.links.length === 0 ? NO_LINKS : span.links.map(toLinkRecord),
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    scope,
  };
}

export function toResourceRecord(resource: Resource): ResourceRecord {
  return { attributes: resource.attributes, schemaUrl: resource.schemaUrl };
}

/** The span again, as exporters and span processors read it, under the given resource and scope. */
export function fromSpanRecord(record: SpanRecord, resource: Resource, scope: InstrumentationScope): ReadableSpan {
  const context = fromContextRecord(record.context);
  return {
    name: record.name,
    kind: record.kind,
    spanContext: () => context,
    ...(record.parent ? { parentSpanContext: fromContextRecord(record.parent) } : {}),
    startTime: record.startTime,
    endTime: record.endTime,
    duration: record.duration,
    status: record.status,
    attributes: record.attributes,
    events: record.events,
    links: record.links.map(fromLinkRecord),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: record.droppedAttributesCount,
    droppedEventsCount: record.droppedEventsCount,
    droppedLinksCount: record.droppedLinksCount,
  };
}

/**
 * The exporting thread's side: the spans of each batch in turn, under the resource and scopes
 * the batches carried so far.
 */
export class SpanBatchReader {
  private resource: Resource = resourceFromAttributes({});
  private readonly scopes: InstrumentationScope[] = [];

  read(batch: SpanBatch): ReadableSpan[] {
    if (batch.resource) {
      const { attributes, schemaUrl } = batch.resource;
      this.resource = resourceFromAttributes(attributes, schemaUrl === undefined ? {} : { schemaUrl });
    }
    this.scopes.push(...batch.scopes);
    return batch.spans.map((record) => fromSpanRecord(record, this.resource, this.scopes[record.scope] ?? UNKNOWN_SCOPE));
  }
}

const UNKNOWN_SCOPE: InstrumentationScope = { name: 'unknown' };

function toContextRecord(context: SpanContext): ContextRecord {
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    isRemote: context.isRemote,
    traceState: context.traceState?.serialize(),
  };
}

function fromContextRecord(record: ContextRecord): SpanContext {
  return {
    traceId: record.traceId,
    spanId: record.spanId,
    traceFlags: record.traceFlags,
    ...(record.isRemote === undefined ? {} : { isRemote: record.isRemote }),
    ...(record.traceState === undefined ? {} : { traceState: new TraceState(record.traceState) }),
  };
}

function toLinkRecord(link: Link): LinkRecord {
  return { context: toContextRecord(link.context), attributes: link.attributes, droppedAttributesCount: link.droppedAttributesCount };
}

function fromLinkRecord(link: LinkRecord): Link {
  return {
    context: fromContextRecord(link.context),
    ...(link.attributes === undefined ? {} : { attributes: link.attributes }),
    ...(link.droppedAttributesCount === undefined ? {} : { droppedAttributesCount: link.droppedAttributesCount }),
  };
}
