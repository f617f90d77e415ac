import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * With tracing on, each HTTP request continues the client's trace: its `traceparent` (and
 * `tracestate`, baggage) becomes the context the request runs in, so that the GraphQL spans and
 * the NATS requests are children of the client's span. No span of its own: the GraphQL
 * operation's span (`mutation Restock`) is the gateway's, which keeps tracing at 100% within
 * its cost budget (docs/benchmarks.md). OTEL_NODE_ENABLED_INSTRUMENTATIONS=graphql,http adds
 * @opentelemetry/instrumentation-http's request span, which this then leaves alone.
 * Installed only when tracing is on (the gateway checks tracingEnabled()).
 */
export function traceRequests(): RequestHandler {
  return (req, _res, next) => {
    // Without trace headers there is nothing to continue: the operation's span starts a new
    // trace from the root context anyway, so skip the extract and the context switch.
    // (The headers first: a lookup each, where the active span costs a context read per request.)
    if (!carriesTraceContext(req.headers) || trace.getActiveSpan()) {
      next();
      return;
    }
    context.with(propagation.extract(ROOT_CONTEXT, req.headers), next);
  };
}

function carriesTraceContext(headers: IncomingHttpHeaders): boolean {
  return headers.traceparent !== undefined || headers.baggage !== undefined;
}
