import { stdSerializers } from 'pino';

/** A PostgreSQL error: a five-character SQLSTATE. */
function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Properties of pg's and knex's errors that hold a statement or its parameters. */
const STATEMENT_KEYS = ['sql', 'query', 'internalQuery', 'bindings', 'parameters', 'params'];

/**
 * The database's own words of a failed statement: knex writes `<statement with its
 * parameters> - <message>`, and everything before the last " - " is the statement.
 */
export function messageWithoutSql(message: string): string {
  const at = message.lastIndexOf(' - ');
  return at < 0 ? message : message.slice(at + 3);
}

/**
 * pino's serializer of `err`, for every log line of every process: a database error keeps its
 * type, SQLSTATE, message and stack frames but loses the statement and its parameters (user
 * data, and the schema) — those are logged at debug only (`statementOf`).
 */
export function errorWithoutSql(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  if (sqlStateOf(error) === undefined) return serialized;
  const message = messageWithoutSql(error.message);
  serialized.message = message;
  if (typeof serialized.stack === 'string') serialized.stack = serialized.stack.split(error.message).join(message);
  for (const key of STATEMENT_KEYS) delete serialized[key];
  return serialized;
}

/** The full text of a failed statement (with its parameters), for a debug line; undefined when `error` is not a database error. */
export function statementOf(error: unknown): string | undefined {
  return sqlStateOf(error) !== undefined && error instanceof Error ? error.message : undefined;
}
