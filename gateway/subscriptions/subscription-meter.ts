import type { ExecutionArgs, ExecutionResult } from 'graphql';

/** What the gateway tells of its subscriptions (for the metrics). */
export interface SubscriptionMeter {
  /** A subscription started (its source stream is open). */
  opened(): void;
  /** A subscription ended: completed by its client, closed with its socket, failed or finished. */
  closed(): void;
  /** A value was sent to a subscriber. */
  pushed(): void;
}

type Subscribe = (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;

/**
 * graphql-ws's `subscribe`, metered: a subscription is open from the start of its source stream
 * to its end, and each value it yields to graphql-ws is a push. (Values written straight to the
 * socket, past graphql-ws, are told by createSharedSubscribe.)
 */
export function meteredSubscribe(subscribe: Subscribe, meter: SubscriptionMeter): Subscribe {
  return async (args) => {
    const result = await subscribe(args);
    if (!isAsyncIterable(result)) return result;
    meter.opened();
    return new MeteredSubscription(result[Symbol.asyncIterator](), meter);
  };
}

/** A class, not closures: there is one per subscriber, and memory per subscriber is a target. */
class MeteredSubscription implements AsyncIterableIterator<ExecutionResult> {
  private open = true;

  constructor(
    private readonly source: AsyncIterator<ExecutionResult>,
    private readonly meter: SubscriptionMeter,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    try {
      const result = await this.source.next();
      if (result.done) this.close();
      else this.meter.pushed();
      return result;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return (await this.source.return?.()) ?? { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    if (this.source.throw) return this.source.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.meter.closed();
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}
