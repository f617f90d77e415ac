import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode } from '../schema/errors.js';

/** The one place where service errors become GraphQL errors (`extensions.code`, `extensions.field`). */
export function toGraphQLError(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...(error.field !== undefined ? { field: error.field } : {}),
      ...(error.details ?? {}),
      ...(error.code === ErrorCode.UNAUTHENTICATED ? { http: { status: 401 } } : {}),
    },
  });
}

/**
 * Apollo's formatError: keeps coded errors, turns anything else into INTERNAL_SERVER_ERROR
 * without its message or stack (no SQL or internals ever reach a client).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = (error as { originalError?: unknown } | null)?.originalError;
  if (original instanceof AppError) {
    const mapped = toGraphQLError(original);
    return { ...formatted, message: mapped.message, extensions: { ...mapped.extensions, http: undefined } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) return withoutStack(formatted);
  if (original instanceof GraphQLError || (error instanceof GraphQLError && !original)) return withoutStack(formatted);
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions?.stacktrace) return formatted;
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}
