import {
  AppError,
  MAX_EXPECTED_VERSION,
  type CommandMessage,
  optionalNonNegativeInt,
  requireString,
  requireUuid,
} from '../../schema/index.js';
import type { Untrusted } from './command-definition.js';

/** Idempotency keys of the write-service's own commands (saga steps); clients may not use the prefix. */
export const INTERNAL_KEY_PREFIX = 'saga:';

/** A command request as it crosses NATS: who asks (set by the gateway), and the input, not yet checked. */
export interface CommandRequest {
  tenant: string;
  userId: string;
  /** The caller's roles claim (strings only; absent: none). */
  roles: string[];
  correlationId: string;
  input: Untrusted<Record<string, unknown>>;
}

/** The request body of a command endpoint; an input that is not an object is BAD_USER_INPUT on `input`. */
export function readCommandRequest(body: unknown): CommandRequest {
  const message = (typeof body === 'object' && body !== null ? body : {}) as Untrusted<CommandMessage>;
  const { tenant, userId, correlationId, input } = message;
  if (typeof tenant !== 'string' || typeof userId !== 'string' || typeof correlationId !== 'string') {
    throw new TypeError('a command request names its tenant, user and correlation id');
  }
  const roles = Array.isArray(message.roles) ? message.roles.filter((role): role is string => typeof role === 'string') : [];
  if (input === undefined || input === null) return { tenant, userId, roles, correlationId, input: {} };
  if (typeof input !== 'object' || Array.isArray(input)) throw AppError.badInput('input', 'input must be an object');
  return { tenant, userId, roles, correlationId, input };
}

/** The client's idempotency key, if it gave one; the internal prefix is refused. */
export function clientIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const key = requireString(value, 'input.idempotencyKey', { max: 200 });
  if (key.startsWith(INTERNAL_KEY_PREFIX)) {
    throw AppError.badInput('input.idempotencyKey', `input.idempotencyKey may not start with "${INTERNAL_KEY_PREFIX}"`);
  }
  return key;
}

/** An id the client chose (a UUID, lower-cased), or a new one. */
export function idOrNew(value: unknown, path: string, newId: () => string): string {
  return value === undefined || value === null ? newId() : requireUuid(value, path);
}

/** `{ expectedVersion }` when the client gave one, else nothing. */
export function optionalExpectedVersion(value: unknown): { expectedVersion?: number } {
  const expectedVersion = optionalNonNegativeInt(value, 'input.expectedVersion', MAX_EXPECTED_VERSION);
  return expectedVersion === undefined ? {} : { expectedVersion };
}

/** An element of an input list, or an empty object for anything that is not an object (its fields then fail their checks). */
export function inputObject<Input>(value: unknown): Untrusted<Input> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
