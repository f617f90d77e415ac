import type { Span } from '@opentelemetry/api';
import { GraphQLInstrumentation, type GraphQLInstrumentationConfig } from '@opentelemetry/instrumentation-graphql';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { DocumentNode } from 'graphql';

/** instrumentation-graphql's attribute for the operation's text, its values masked unless `allowValues`. */
const ATTR_GRAPHQL_SOURCE = 'graphql.source';

/** The method of instrumentation-graphql (0.72.0) that starts an execution's span, with the arguments it reads. */
type CreateExecuteSpan = (operation: unknown, args: { document?: DocumentNode }) => Span;

/**
 * instrumentation-graphql, with each document's `graphql.source` made once instead of on every
 * execution (decision #51). The instrumentation rebuilds that text from the document's tokens
 * each time it starts an execution's span, and Apollo Server executes the same DocumentNode
 * (its document cache) for every request of the same query: the rebuilt text, a string of as
 * many pieces as the query has tokens, was a quarter of what the span cost (spans, serialization
 * included). The first execution of a document keeps the instrumentation's own text; later ones
 * reuse it, so the attribute reads exactly as the instrumentation writes it.
 *
 * This wraps the instrumentation's one internal method that starts the span (the package is
 * pinned exactly); a version without it keeps its own behaviour, and the unit test of this file
 * fails, so an upgrade cannot drop the cache unnoticed.
 */
export function graphqlInstrumentation(config: GraphQLInstrumentationConfig): GraphQLInstrumentation {
  const instrumentation = new GraphQLInstrumentation(config);
  const internals = instrumentation as unknown as { _createExecuteSpan?: CreateExecuteSpan };
  const createExecuteSpan = internals._createExecuteSpan;
  if (typeof createExecuteSpan !== 'function') return instrumentation;
  const sources = new WeakMap<DocumentNode, string>();
  internals._createExecuteSpan = (operation, args) => {
    const source = args.document && sources.get(args.document);
    if (source === undefined) {
      const span = createExecuteSpan.call(instrumentation, operation, args);
      // The SDK's recording span exposes what was set; a span not sampled has nothing to keep.
      const made = (span as Partial<ReadableSpan>).attributes?.[ATTR_GRAPHQL_SOURCE];
      if (args.document && typeof made === 'string') sources.set(args.document, made);
      return span;
    }
    // Without a document the instrumentation skips the text (the operation is passed apart).
    const span = createExecuteSpan.call(instrumentation, operation, { ...args, document: undefined });
    span.setAttribute(ATTR_GRAPHQL_SOURCE, source);
    return span;
  };
  return instrumentation;
}
