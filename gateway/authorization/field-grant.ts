import { AppError, ErrorCode, isCallerId, knownRoles } from '../../schema/index.js';
import type { Principal } from '../auth.js';
import type { FieldGrant, FieldRule } from './field-policy.js';

const ALL: FieldGrant = { kind: 'all' };

/** The broadest grant a rule gives the principal (any role's `all` wins), or FORBIDDEN when none. */
export function grantFor(rule: FieldRule, principal: Principal, coordinate: string): FieldGrant {
  const grants = [rule.anyone, ...knownRoles(principal.roles).map((role) => rule[role])].filter((grant) => grant !== undefined);
  if (grants.some((grant) => grant.kind === 'all')) return ALL;
  const [grant] = grants;
  if (!grant) throw forbidden(`${coordinate} is not allowed to roles [${principal.roles.join(', ')}]`);
  return grant;
}

/**
 * The arguments a grant lets through: a `self` grant's argument must be the caller's id (an
 * absent one becomes it with `fill`), FORBIDDEN naming the argument otherwise.
 */
export function argsFor<Args extends Record<string, unknown>>(grant: FieldGrant, args: Args, principal: Principal): Args {
  if (grant.kind !== 'self') return args;
  const value = argAt(args, grant.arg);
  if ((value === undefined || value === null) && grant.fill) return { ...args, [grant.arg]: principal.userId };
  if (!isCallerId(principal.userId, value)) throw forbidden(`${grant.arg} must be your own customer id`, grant.arg);
  return args;
}

/** An order (read, watched) or a customer (`own`) the grant lets the caller see: FORBIDDEN otherwise. */
export function checkOwner(grant: FieldGrant, ownerId: unknown, principal: Principal, field?: string): void {
  if ((grant.kind === 'ownOrder' || grant.kind === 'own') && !isCallerId(principal.userId, ownerId)) {
    throw grant.kind === 'own' ? forbidden('personal data of another customer') : forbidden('this order is not yours', field);
  }
}

/** The value at a dotted argument path (`input.customerId`). */
export function argAt(args: Record<string, unknown>, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function forbidden(message: string, field?: string): AppError {
  return new AppError(ErrorCode.FORBIDDEN, message, field);
}
