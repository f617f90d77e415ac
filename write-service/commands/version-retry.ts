import { StreamVersionConflict } from '../event-store/event-store.js';
import { VersionConflict } from './command-errors.js';

export interface VersionRetryOptions {
  /** The client's expectation: a command that gave one is never retried. */
  expectedVersion: number | undefined;
  /** How long a lost race is decided again (default 4 s, below the gateway's request timeout). */
  retryForMs: number;
  /** The aggregate's stored version, for the answer once retrying is over. */
  currentVersion(): Promise<number>;
  /** Told of each retry (for the metrics). */
  onRetry?(): void;
}

/**
 * Runs `attempt` again, decided on the stored events, while it loses the race for its
 * aggregate's version to another replica (AggregateQueue rules out races within one), backing
 * off with jitter up to 100 ms so that racing replicas spread out. A command with an
 * expectedVersion, or one still losing at the deadline, is answered VersionConflict.
 */
export async function retryLostRaces<T>(attempt: (retry: number) => Promise<T>, options: VersionRetryOptions): Promise<T> {
  const until = Date.now() + options.retryForMs;
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt(retry);
    } catch (error) {
      if (!(error instanceof StreamVersionConflict)) throw error;
      if (options.expectedVersion !== undefined || Date.now() >= until) {
        throw new VersionConflict(options.expectedVersion ?? error.expectedVersion, await options.currentVersion());
      }
      options.onRetry?.();
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** retry)));
    }
  }
}
