import type { JsMsg } from '@nats-io/jetstream';
import type { Context, Link } from '@opentelemetry/api';
import { contextOfEvent, linkTo, traceparentOfEvent, tracingEnabled } from '../../platform/telemetry/index.js';
import type { EventEnvelope } from '../../schema/index.js';

/** Most links one batch's span carries (the SDK's default limit). */
const MAX_LINKS = 128;
/** Most correlation ids a batch's log line lists. */
const MAX_CORRELATION_IDS = 20;

export interface BatchOrigin {
  /** The correlation id of every event of the batch, when they share one (a single command's events). */
  correlationId: string | undefined;
  /** The batch's distinct correlation ids (at most MAX_CORRELATION_IDS), for its log line. */
  correlationIds: string[];
  /** The span's parent: the events' trace when they all come from one, else none (a root linked to each). */
  parent: Context | undefined;
  links: Link[];
}

/**
 * Where a batch of events comes from, for its span and its log lines. A span cannot have one
 * parent per event: the batch's span is a child of the events' trace when they share one (one
 * command at low rates), and otherwise a root span linked to the trace of every event.
 */
export function batchOrigin(items: readonly { msg: JsMsg; event: EventEnvelope | undefined }[]): BatchOrigin {
  const correlationIds = new Set<string>();
  for (const { event } of items) {
    if (event?.metadata.correlationId && correlationIds.size < MAX_CORRELATION_IDS) correlationIds.add(event.metadata.correlationId);
  }
  const ids = [...correlationIds];
  const origin: BatchOrigin = { correlationId: ids.length === 1 ? ids[0] : undefined, correlationIds: ids, parent: undefined, links: [] };
  if (!tracingEnabled()) return origin;
  const traces = new Set<string>();
  let first: { msg: JsMsg; event: EventEnvelope | undefined } | undefined;
  for (const item of items) {
    const link = linkTo(traceparentOfEvent(item.msg.headers, item.event?.metadata.traceparent));
    if (!link) continue;
    first ??= item;
    traces.add(link.context.traceId);
    if (origin.links.length < MAX_LINKS) origin.links.push(link);
  }
  if (first && traces.size === 1) origin.parent = contextOfEvent(first.msg.headers, first.event?.metadata.traceparent);
  return origin;
}
