import { AppError, ErrorCode, type ErrorPayload } from '../../schema/index.js';
import { DomainError, type Refusal } from '../domain/domain-error.js';
import { IdempotencyKeyTaken, UniqueKeyTaken } from '../event-store/event-store.js';
import { GroupCommitFull } from '../event-store/group-commit.js';
import { IdempotencyKeyReused } from '../event-store/idempotency-records.js';
import type { CommandEntry } from './command-definition.js';
import { NotYetPublished, VersionConflict } from './command-errors.js';

/**
 * The write-service's answer for what a command threw: domain refusals and event-store and
 * handler errors become the wire's codes here, and only here, with fields as paths from the
 * mutation's argument (`input.lines[1].productId`). Anything else is left to the service's
 * shared normalizer (undefined): AppErrors as they are, a passing database failure
 * SERVICE_UNAVAILABLE, the unknown INTERNAL_SERVER_ERROR.
 */
export function commandErrorPayload(entry: CommandEntry, error: unknown): ErrorPayload | undefined {
  const path = (field: string) => inputPath(entry, field);
  if (error instanceof DomainError) return refusalPayload(error.refusal, error.message, path);
  if (error instanceof VersionConflict) {
    const { expectedVersion, currentVersion } = error;
    return payload(ErrorCode.CONCURRENCY_CONFLICT, error.message, 'input.expectedVersion', { expectedVersion, currentVersion });
  }
  if (error instanceof IdempotencyKeyReused || error instanceof IdempotencyKeyTaken) {
    return payload(ErrorCode.CONFLICT, 'this idempotency key was already used for a different request', 'input.idempotencyKey');
  }
  if (error instanceof UniqueKeyTaken) {
    const field = entry.definition.uniqueKeys?.find((unique) => unique.scope === error.scope)?.field;
    return payload(
      ErrorCode.CONFLICT,
      `${field ?? error.scope} ${error.value} is already taken`,
      field === undefined ? 'input' : path(field),
    );
  }
  if (error instanceof NotYetPublished) return payload(ErrorCode.SERVICE_UNAVAILABLE, error.message);
  if (error instanceof GroupCommitFull) {
    return payload(ErrorCode.SERVICE_UNAVAILABLE, `the event store is busy (${error.queued} appends waiting); try again shortly`);
  }
  return undefined;
}

function refusalPayload(refusal: Refusal, message: string, path: (field: string) => string): ErrorPayload {
  switch (refusal.reason) {
    case 'NotFound':
      return payload(ErrorCode.NOT_FOUND, message, path(refusal.field));
    case 'AlreadyExists':
      return payload(ErrorCode.CONFLICT, message, path(refusal.field));
    case 'InvalidTransition':
      return payload(ErrorCode.INVALID_STATE, message, undefined, { status: refusal.status });
    case 'OutOfStock':
      return payload(ErrorCode.INVALID_STATE, message, undefined, { reason: 'OUT_OF_STOCK', available: refusal.available });
    case 'Discontinued':
      return payload(ErrorCode.INVALID_STATE, message, undefined, { status: 'DISCONTINUED' });
    case 'RuleViolated':
      return payload(ErrorCode.BAD_USER_INPUT, message, path(refusal.field), refusal.limits);
    default: {
      const unknown: never = refusal;
      return unknown;
    }
  }
}

/** A field of the command as the mutation's input names it: the aggregate's id field is `id` there. */
function inputPath({ aggregate }: CommandEntry, field: string): string {
  const [, head = field, rest = ''] = /^([^.[]+)(.*)$/.exec(field) ?? [];
  return `input.${head === aggregate.inputId ? 'id' : head}${rest}`;
}

function payload(code: ErrorCode, message: string, field?: string, details?: Readonly<Record<string, unknown>>): ErrorPayload {
  return new AppError(code, message, field, details && { ...details }).toPayload();
}
