import { AppError } from './errors.js';

/**
 * A consistency token names a position in the event stream (the JetStream sequence of a
 * mutation's last event). It is opaque to clients: `ct1.<position>`.
 */
const PREFIX = 'ct1.';

export function encodeConsistencyToken(position: number): string {
  return `${PREFIX}${position}`;
}

/** The position a token names; BAD_USER_INPUT on anything that is not a token. */
export function decodeConsistencyToken(token: unknown, field = 'consistencyToken'): number {
  const digits = typeof token === 'string' && token.startsWith(PREFIX) ? token.slice(PREFIX.length) : '';
  const position = /^[0-9]{1,15}$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(position)) throw AppError.badInput(field, `${field} is not a consistency token`);
  return position;
}
