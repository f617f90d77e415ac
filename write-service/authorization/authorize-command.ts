import { AppError, ErrorCode, isCallerId, knownRoles, type CommandName } from '../../schema/index.js';
import type { StateReader } from '../commands/command-definition.js';
import { orderAggregate } from '../commands/order-commands.js';
import type { DomainCommand } from '../domain/decider.js';
import { ANY, commandPolicy, type CommandGrant } from './command-policy.js';

/** Who sends a command, as its message says (the gateway sets it from the verified token). */
export interface CommandCaller {
  userId: string;
  roles: readonly string[];
}

/**
 * The broadest grant the caller's roles give for a command, before its input is read: FORBIDDEN
 * when none does (a command without a rule included: closed by default).
 */
export function commandGrant(command: string, caller: CommandCaller): CommandGrant {
  const rule = Object.hasOwn(commandPolicy, command) ? commandPolicy[command as CommandName] : undefined;
  const grants = knownRoles(caller.roles).flatMap((role) => rule?.[role] ?? []);
  if (grants.some((grant) => grant.kind === 'any')) return ANY;
  const [grant] = grants;
  if (!grant) throw forbidden(`${command} is not allowed to roles [${caller.roles.join(', ')}]`);
  return grant;
}

/**
 * The grant's condition on the checked command: the command's customer is the caller, or the
 * order it acts on belongs to the caller (read from the order's events: an order's customer never
 * changes, so reading it before the decision is safe). An order that does not exist passes, for
 * the domain to answer NOT_FOUND.
 */
export async function checkGrant(grant: CommandGrant, command: DomainCommand, caller: CommandCaller, read: StateReader): Promise<void> {
  switch (grant.kind) {
    case 'any':
      return;
    case 'asSelf':
      if (!isCallerId(caller.userId, fieldOf(command, 'customerId')))
        throw forbidden(`${grant.field} must be your own customer id`, grant.field);
      return;
    case 'ownOrder': {
      const orderId = fieldOf(command, 'orderId');
      if (orderId === undefined) throw forbidden('this command names no order', grant.field);
      const order = await read(orderAggregate, orderId);
      if (order.status !== 'absent' && !isCallerId(caller.userId, order.customerId)) {
        throw forbidden(`order ${orderId} is not yours`, grant.field);
      }
      return;
    }
    default: {
      const unknown: never = grant;
      return unknown;
    }
  }
}

function fieldOf(command: DomainCommand, field: 'customerId' | 'orderId'): string | undefined {
  const value = (command as unknown as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

function forbidden(message: string, field?: string): AppError {
  return new AppError(ErrorCode.FORBIDDEN, message, field);
}
