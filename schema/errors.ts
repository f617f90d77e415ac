/**
 * The closed set of error codes the API answers with (`extensions.code`). Services raise
 * `AppError`; the gateway maps it to a GraphQL error in exactly one place.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONCURRENCY_CONFLICT: 'CONCURRENCY_CONFLICT',
  INVALID_STATE: 'INVALID_STATE',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONSISTENCY_TIMEOUT: 'CONSISTENCY_TIMEOUT',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The JSON shape of an error crossing NATS. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** The input field at fault, as a path from the argument: `input.price`. */
  field?: string;
  /** Further machine-readable facts, e.g. `{ currentVersion: 3 }`. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.field = field;
    this.details = details;
  }

  static badInput(field: string, message: string, details?: Record<string, unknown>): AppError {
    return new AppError(ErrorCode.BAD_USER_INPUT, message, field, details);
  }
  static notFound(what: string, id: string, field?: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} ${id} not found`, field);
  }
  static concurrencyConflict(expected: number, actual: number): AppError {
    return new AppError(
      ErrorCode.CONCURRENCY_CONFLICT,
      `expected version ${expected} but the aggregate is at version ${actual}`,
      'input.expectedVersion',
      { expectedVersion: expected, currentVersion: actual },
    );
  }
  static invalidState(message: string, details?: Record<string, unknown>): AppError {
    return new AppError(ErrorCode.INVALID_STATE, message, undefined, details);
  }
  static conflict(field: string, message: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message, field);
  }
  static serviceUnavailable(message: string): AppError {
    return new AppError(ErrorCode.SERVICE_UNAVAILABLE, message);
  }
  static consistencyTimeout(token: string): AppError {
    return new AppError(ErrorCode.CONSISTENCY_TIMEOUT, `read models did not reach consistency token ${token} in time`, 'consistencyToken');
  }

  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { code: this.code, message: this.message };
    if (this.field !== undefined) payload.field = this.field;
    if (this.details !== undefined) payload.details = this.details;
    return payload;
  }

  static fromPayload(payload: ErrorPayload): AppError {
    return new AppError(payload.code, payload.message, payload.field, payload.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCode, value);
}
