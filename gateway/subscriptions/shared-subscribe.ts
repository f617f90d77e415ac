import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';
import { mapAsyncIterable } from './map-async-iterable.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-ws's `subscribe` for many identical subscriptions: a change is executed (its fields
 * resolved, nested views loaded, the result shaped) once per group of subscriptions with the
 * same document, variables, operation and tenant, instead of once per subscriber. Subscribers
 * of one topic receive the very same change object from the view hub, so the result is kept
 * beside that object (a WeakMap) for as long as any subscriber still has it queued.
 *
 * Only the first value of a subscription (the current view, loaded per subscriber) and values
 * no group shares are executed on their own. Documents must come from a cache (see
 * DocumentCache) for identical queries to be recognised as one group.
 */
export function createSharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 1;
  const executed = new WeakMap<object, Map<string, Result>>();

  const groupOf = (args: ExecutionArgs): string => {
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    const { principal } = args.contextValue as GatewayContext;
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? null, principal.tenant, [...principal.roles].sort()]);
  };

  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const group = groupOf(args);
    return mapAsyncIterable(source, (payload) => {
      if (typeof payload !== 'object' || payload === null) return execute({ ...args, rootValue: payload });
      let byGroup = executed.get(payload);
      if (!byGroup) {
        byGroup = new Map();
        executed.set(payload, byGroup);
      }
      let result = byGroup.get(group);
      if (!result) {
        result = execute({ ...args, rootValue: payload });
        byGroup.set(group, result);
      }
      return result;
    });
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
