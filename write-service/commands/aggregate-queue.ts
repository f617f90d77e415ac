/**
 * Runs tasks one at a time per key, in the order they arrive, and tasks of different keys at
 * once. The write-service decides and appends the commands of one aggregate through it, so that
 * commands of one replica never race each other for a version (only other replicas' can).
 */
export class AggregateQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
