import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from '../schema/index.js';

type Where = Pick<GraphQLFormattedError, 'locations' | 'path'>;

/** What a client sees of an error nobody meant for it. */
function internal(where: Where = {}): GraphQLFormattedError {
  return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** The HTTP status of a request refused before it runs, by code (Apollo reads it from `extensions.http`). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { [ErrorCode.UNAUTHENTICATED]: 401, [ErrorCode.SERVICE_UNAVAILABLE]: 503 };

/**
 * What a client sees of anything that failed, over HTTP (Apollo's formatError) and WebSocket
 * (graphql-ws's onNext and onError, and the subscriptions' direct sends) alike:
 * - an AppError (a service's answer, auth, a bad key, a live view that ended): its message,
 *   `code`, `field` and details (`currentVersion`, `status`...);
 * - a GraphQL error of its own (a document that does not parse or validate, a variable that
 *   does not coerce, Apollo's request errors): as it is, BAD_USER_INPUT for a variable's value,
 *   INTERNAL_SERVER_ERROR when it has no code;
 * - anything else: INTERNAL_SERVER_ERROR, without its message (no SQL or internals reach a client).
 * GraphQL's wrappers (a field's location, graphql-ws's failed iterator) are looked through to
 * what was thrown. Never throws.
 */
export function normalizeError(error: unknown): GraphQLFormattedError {
  try {
    return normalize(error);
  } catch {
    return internal();
  }
}

function normalize(error: unknown): GraphQLFormattedError {
  const where = error instanceof GraphQLError ? located(error) : {};
  const cause = causeOf(error);
  if (cause instanceof AppError) return { message: cause.message, ...where, extensions: extensionsOf(cause) };
  if (!(cause instanceof GraphQLError)) return internal(where);
  const { http: _http, stacktrace: _stacktrace, ...extensions } = cause.extensions;
  const code = typeof extensions.code === 'string' ? extensions.code : codeOf(cause);
  return { message: cause.message, ...where, extensions: { ...extensions, code } };
}

/**
 * What was thrown behind GraphQL's wrappers: the first error with a code of its own, an error
 * located at a variable (a value that did not coerce), or the innermost.
 */
function causeOf(error: unknown): unknown {
  let cause = error;
  while (cause instanceof GraphQLError && cause.extensions.code === undefined && !atVariable(cause) && cause.originalError) {
    cause = cause.originalError;
  }
  return cause;
}

/** The code of a GraphQL error that has none: a variable's value that did not coerce is the client's input. */
function codeOf(error: GraphQLError): string {
  return atVariable(error) ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR;
}

function atVariable(error: GraphQLError): boolean {
  return error.nodes?.length === 1 && error.nodes[0]?.kind === Kind.VARIABLE_DEFINITION;
}

function extensionsOf(error: AppError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: error.code };
  if (error.field !== undefined) extensions.field = error.field;
  for (const [key, value] of Object.entries(error.details ?? {})) extensions[key] ??= value;
  return extensions;
}

function located(error: GraphQLError): Where {
  const { locations, path } = error.toJSON();
  return { ...(locations && { locations }), ...(path && { path }) };
}

/** An execution result (graphql-js's or graphql-ws's) with its errors as clients see them (normalizeError). */
export function formatResult<Result extends { errors?: readonly GraphQLError[] | undefined }>(
  result: Result,
): Omit<Result, 'errors'> & { errors?: GraphQLFormattedError[] } {
  const { errors, ...rest } = result;
  return errors ? { ...rest, errors: errors.map(normalizeError) } : rest;
}

/**
 * `error` as a GraphQLError, for the hooks that take nothing else (Apollo's context function,
 * graphql-ws's onSubscribe). It carries the original, and the HTTP status of a request refused
 * before it runs; what the client reads is still normalizeError's.
 */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  const status = error instanceof AppError ? HTTP_STATUS[error.code] : undefined;
  return new GraphQLError(original.message, { originalError: original, ...(status && { extensions: { http: { status } } }) });
}

/** A subscription document that does not parse (the code Apollo gives the same failure over HTTP). */
export function parseFailed(error: GraphQLError): GraphQLError {
  return coded(error, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED);
}

/** A subscription document that does not validate (the code Apollo gives the same failure over HTTP). */
export function validationFailed(error: GraphQLError): GraphQLError {
  return coded(error, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED);
}

function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error,
    extensions: { ...error.extensions, code },
  });
}
