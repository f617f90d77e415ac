import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { sharingAudience } from '../authorization/subscription-audience.js';
import type { GatewayContext } from '../context.js';
import { formatResult } from '../normalize-error.js';
import { mapAsyncIterable } from './map-async-iterable.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** What a subscription's values can be written to without graphql-ws: its socket and its id. */
export interface DirectTarget {
  socket: { readonly readyState: number; readonly bufferedAmount: number; send(data: string, callback?: (error?: Error) => void): void };
  id: string;
}

/** Past this much unsent data on a socket, a direct send waits until it is written (a slow client). */
const BACKPRESSURE_BYTES = 1 << 20;
const OPEN = 1;

interface Executed {
  result: Result;
  /** The `next` message's payload as JSON, made once per group for the direct sends. */
  json?: Promise<string>;
}

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
 *
 * With `targets` (the socket and id of each subscription, by its context), every value after
 * the first is also serialized once per group and written straight to the socket as a `next`
 * message, instead of through graphql-ws's per-subscriber path (an object spread, a
 * `JSON.stringify` of the payload and a promise per message and subscriber): a change to a
 * product that 10,000 dashboards watch is one serialization, then 10,000 writes. graphql-ws only
 * asks for the next value once it has written the previous one, so the first value (which it
 * sends) still goes out before any direct one, and it still sends `complete` and errors.
 */
export function createSharedSubscribe(
  targets?: WeakMap<object, DirectTarget>,
  onPush?: () => void,
): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 1;
  const executed = new WeakMap<object, Map<string, Executed>>();

  const groupOf = (args: ExecutionArgs): string => {
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    const { principal } = args.contextValue as GatewayContext;
    return JSON.stringify([
      documentId,
      args.operationName ?? null,
      args.variableValues ?? null,
      principal.tenant,
      [...principal.roles].sort(),
      // Answers that depend on who asks (a customer's own order) are not shared across callers.
      sharingAudience(args),
    ]);
  };

  const shared = (args: ExecutionArgs, group: string, payload: object): Executed => {
    let byGroup = executed.get(payload);
    if (!byGroup) {
      byGroup = new Map();
      executed.set(payload, byGroup);
    }
    let entry = byGroup.get(group);
    if (!entry) {
      entry = { result: execute({ ...args, rootValue: payload }) };
      byGroup.set(group, entry);
    }
    return entry;
  };

  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const group = groupOf(args);
    const execution = (payload: unknown): Executed =>
      typeof payload !== 'object' || payload === null ? { result: execute({ ...args, rootValue: payload }) } : shared(args, group, payload);
    const target = args.contextValue && typeof args.contextValue === 'object' ? targets?.get(args.contextValue) : undefined;
    if (!target) return mapAsyncIterable(source, (payload) => execution(payload).result);
    return new DirectSubscription(source[Symbol.asyncIterator](), target, execution, onPush);
  };
}

/**
 * A subscription's values for graphql-ws: the first one; every later one is written to the
 * socket here and never yielded, so graphql-ws's iterator waits until the source ends. A class,
 * not closures: there is one per subscriber, and memory per subscriber is a target.
 */
class DirectSubscription implements AsyncIterableIterator<ExecutionResult> {
  private first = true;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly target: DirectTarget,
    private readonly execution: (payload: unknown) => Executed,
    /** Told of each value written to the socket (for the metrics). */
    private readonly onPush?: () => void,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      const pulled = await this.source.next();
      if (pulled.done) return { value: undefined, done: true };
      try {
        if (this.first) {
          this.first = false;
          return { value: await this.execution(pulled.value).result, done: false };
        }
        await this.send(this.execution(pulled.value));
      } catch (error) {
        // graphql-ws reports the error and ends the subscription: free the source now.
        await Promise.resolve(this.source.return?.()).catch(() => undefined);
        throw error;
      }
    }
  }

  // graphql-ws calls return() when the client completes or leaves, also while next() waits.
  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async send(entry: Executed): Promise<void> {
    entry.json ??= Promise.resolve(entry.result).then(payloadJson);
    const message = `{"id":${JSON.stringify(this.target.id)},"type":"next","payload":${await entry.json}}`;
    const { socket } = this.target;
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount < BACKPRESSURE_BYTES) socket.send(message);
    else await new Promise<void>((resolve) => socket.send(message, () => resolve()));
    this.onPush?.();
  }
}

/** The payload of a `next` message, errors as clients see them (what graphql-ws's onNext makes of the first value). */
function payloadJson(result: ExecutionResult): string {
  return JSON.stringify(formatResult(result));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
