import { setTimeout as delay } from 'node:timers/promises';

/** Codes after which the same request (same idempotency key) is sent again. */
const RETRIED = new Set(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'CONCURRENCY_CONFLICT']);
/** Codes that should never reach a client that sends no expectedVersion: counted as anomalies. */
export const ANOMALIES = new Set(['INTERNAL_SERVER_ERROR', 'CONCURRENCY_CONFLICT']);

export type Outcome<T> =
  | { ok: true; data: T; attempts: number; startedAt: number; lastAttemptAt: number; answeredAt: number }
  | { ok: false; code: string; attempts: number; startedAt: number; lastAttemptAt: number; answeredAt: number };

export interface ClientStats {
  /** Attempts after the first, whatever made them necessary. */
  retries: number;
  /** Why requests were retried: transport errors, timeouts, error codes. */
  retriedFor: Map<string, number>;
  /** Answers a well-behaved system never gives here (see ANOMALIES), by code. */
  anomalies: Map<string, number>;
}

export interface RetryingClientOptions {
  /** The gateway's GraphQL URL now (it may move when the gateway restarts). */
  url: () => string;
  headers: Record<string, string>;
  /** Per attempt: longer than the gateway's REQUEST_TIMEOUT_MS, so a timeout here means a silent gateway. */
  attemptTimeoutMs: number;
  /** Gives up on a request after this long (the run then fails: nothing may stay unanswered). */
  giveUpAfterMs: number;
}

/**
 * What a careful client of the API does: every mutation carries its idempotency key (and the
 * same X-Correlation-ID, which the write side stores in each event's metadata) and is sent again
 * with that key until it gets a definitive answer: data, or a business error (NOT_FOUND,
 * INVALID_STATE, CONFLICT, BAD_USER_INPUT). Transport errors, timeouts, SERVICE_UNAVAILABLE
 * (and the anomalies INTERNAL_SERVER_ERROR and CONCURRENCY_CONFLICT, which are counted) are retried.
 */
export class RetryingClient {
  readonly stats: ClientStats = { retries: 0, retriedFor: new Map(), anomalies: new Map() };
  private stopped = false;

  constructor(private readonly options: RetryingClientOptions) {}

  /** Makes every request in progress give up (for cleanup after a failure). */
  abort(): void {
    this.stopped = true;
  }

  async mutate<T>(field: string, query: string, input: Record<string, unknown>, key: string): Promise<Outcome<T>> {
    const startedAt = Date.now();
    let lastAttemptAt = startedAt;
    for (let attempt = 1; ; attempt += 1) {
      lastAttemptAt = Date.now();
      const answer = await this.attempt(query, { input: { ...input, idempotencyKey: key } }, key);
      const done = (outcome: { ok: true; data: T } | { ok: false; code: string }): Outcome<T> => ({
        ...outcome,
        attempts: attempt,
        startedAt,
        lastAttemptAt,
        answeredAt: Date.now(),
      });
      if ('data' in answer) return done({ ok: true, data: answer.data[field] as T });
      let reason: string;
      if ('code' in answer) {
        reason = answer.code;
        if (ANOMALIES.has(answer.code)) bump(this.stats.anomalies, answer.code);
        if (!RETRIED.has(answer.code)) return done({ ok: false, code: answer.code });
      } else {
        reason = answer.transport;
      }
      if (this.stopped || Date.now() - startedAt > this.options.giveUpAfterMs) {
        throw new Error(`no definitive answer for ${field} ${key} after ${attempt} attempts (last: ${reason})`);
      }
      this.stats.retries += 1;
      bump(this.stats.retriedFor, reason);
      await delay(Math.min(25 * 2 ** Math.min(attempt, 5), 500));
    }
  }

  private async attempt(
    query: string,
    variables: Record<string, unknown>,
    correlationId: string,
  ): Promise<{ data: Record<string, unknown> } | { code: string } | { transport: string }> {
    let response: Response;
    try {
      response = await fetch(this.options.url(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-correlation-id': correlationId,
          ...this.options.headers,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.options.attemptTimeoutMs),
      });
    } catch (error) {
      return { transport: (error as Error).name === 'TimeoutError' ? 'client timeout' : 'connection error' };
    }
    let body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      return { transport: `HTTP ${response.status} without JSON` };
    }
    if (body.errors?.length) return { code: body.errors[0]?.extensions?.code ?? 'UNKNOWN' };
    if (!body.data) return { transport: `HTTP ${response.status} without data` };
    return { data: body.data };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
