/**
 * Maps an async iterable through `fn`, like graphql-js's internal mapAsyncIterator: `return()`
 * reaches the source at once, even while a `next()` is waiting for the source's next value, so
 * that a client's `complete` frees its subscription without waiting for one more event.
 */
export function mapAsyncIterable<T, U>(iterable: AsyncIterable<T>, fn: (value: T) => U | Promise<U>): AsyncGenerator<U, void, void> {
  const iterator = iterable[Symbol.asyncIterator]();
  const close = async () => {
    try {
      await iterator.return?.();
    } catch {
      // the source failed while closing: the mapping's own error is the one to report
    }
  };
  const mapResult = async (result: IteratorResult<T>): Promise<IteratorResult<U, void>> => {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await fn(result.value), done: false };
    } catch (error) {
      await close();
      throw error;
    }
  };
  const mapped: AsyncGenerator<U, void, void> = {
    next: async () => mapResult(await iterator.next()),
    return: async () => {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    throw: async (error: unknown) => {
      if (iterator.throw) return mapResult(await iterator.throw(error));
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
    async [Symbol.asyncDispose]() {
      await close();
    },
  };
  return mapped;
}
