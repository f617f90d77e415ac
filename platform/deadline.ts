/**
 * A request's deadline, carried in a NATS header from the gateway to the services: the moment
 * (epoch milliseconds) after which nobody waits for the answer any more. The services drop a
 * request whose deadline has passed before they start it, and bound their waits by it.
 *
 * It is an absolute time, so the time a request spends queued in NATS or in a service counts
 * against it; the services' clocks are assumed to agree within a few milliseconds (NTP).
 */
export const DEADLINE_HEADER = 'X-Deadline';

/** The header value of a deadline `timeoutMs` from `now`. */
export function deadlineIn(timeoutMs: number, now: number = Date.now()): number {
  return now + timeoutMs;
}

/** The deadline a header value names; undefined when absent or not a positive integer (no deadline, as before). */
export function parseDeadline(raw: string | undefined | null): number | undefined {
  if (!raw || !/^\d{1,16}$/.test(raw)) return undefined;
  const at = Number(raw);
  return at > 0 ? at : undefined;
}

/** Milliseconds left before `deadline` (Infinity without one, never below 0). */
export function remainingMs(deadline: number | undefined, now: number = Date.now()): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, deadline - now);
}

/** True once `deadline` has passed: the caller has given up. */
export function isExpired(deadline: number | undefined, now: number = Date.now()): boolean {
  return deadline !== undefined && now >= deadline;
}
