import pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * Leadership by PostgreSQL session advisory lock: one holder at a time; the lock dies with the
 * holder's connection, so a killed leader is replaced by a standby within `retryMs`.
 */
export interface LeaderSession {
  client: pg.Client;
  /** Resolves when the session's connection ends (leadership lost). */
  lost: Promise<void>;
}

export interface LeaderLoopOptions {
  databaseUrl: string;
  lockName: string;
  logger: Logger;
  retryMs?: number;
  /** Runs while this process leads; must return when `signal` aborts or the session is lost. */
  lead(session: LeaderSession, signal: AbortSignal): Promise<void>;
}

export function runAsLeader(options: LeaderLoopOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const retryMs = options.retryMs ?? 500;
  const done = (async () => {
    while (!controller.signal.aborted) {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      let ended = false;
      const lost = new Promise<void>((resolve) => {
        client.on('end', () => {
          ended = true;
          resolve();
        });
        client.on('error', (error) => {
          options.logger.warn({ err: error, lock: options.lockName }, 'leader connection error');
          resolve();
        });
      });
      try {
        await client.connect();
        const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [options.lockName]);
        if (result.rows[0]?.locked) {
          options.logger.info({ lock: options.lockName }, 'leading');
          await options.lead({ client, lost }, controller.signal);
        }
      } catch (error) {
        if (!controller.signal.aborted) options.logger.warn({ err: error, lock: options.lockName }, 'leader loop error');
      } finally {
        if (!ended) await client.end().catch(() => undefined);
      }
      if (!controller.signal.aborted) await sleep(retryMs, controller.signal);
    }
  })();
  return {
    async stop() {
      controller.abort();
      await done;
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
