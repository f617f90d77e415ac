/**
 * SQLSTATE classes of failures that pass: the connection (08), a transaction rolled back by the
 * server (40: serialization, deadlock), insufficient resources (53), a lock or object busy (55),
 * operator intervention (57: shutdown, restart, cancel), system errors (58).
 * https://www.postgresql.org/docs/15/errcodes-appendix.html
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '55', '57', '58']);
/** Socket errors of Node and the messages of pg and knex when a connection fails or a pool is exhausted. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// "Transaction query already complete": knex, when a query follows a transaction its dead connection ended.
const TRANSIENT_MESSAGE =
  /connection terminated|terminating connection|connection (?:error|ended|closed|refused)|not queryable|timeout acquiring a connection|the database system is (?:starting up|shutting down|in recovery)|transaction query already complete/i;

/**
 * Whether something failed for a reason that passes (the database or the connection to it), so
 * that the same work succeeds later, rather than for a reason the same work meets again: its
 * data (a value out of range), a constraint, a bug (deterministic). A projection retries the
 * first kind and dead-letters the second at once; a service answers the first
 * SERVICE_UNAVAILABLE (repeat the request) rather than INTERNAL_SERVER_ERROR.
 */
export function isTransient(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  }
  if ((error as { name?: unknown }).name === 'KnexTimeoutError') return true;
  return typeof message === 'string' && TRANSIENT_MESSAGE.test(message);
}

/**
 * SQLSTATE classes of failures the same statement meets again: data exceptions (22: a value out
 * of range, a bad encoding), integrity constraints (23), syntax or access rules (42: a column the
 * projection names that is not there).
 */
const DETERMINISTIC_SQLSTATE_CLASSES = new Set(['22', '23', '42']);

/** Whether the database said the work itself is at fault (it will fail the same way again). */
export function isDeterministic(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && DETERMINISTIC_SQLSTATE_CLASSES.has(code.slice(0, 2));
}
