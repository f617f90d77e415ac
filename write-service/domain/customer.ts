import type { CustomerEvent } from '../../schema/index.js';
import type { Decider } from './decider.js';
import { DomainError } from './domain-error.js';

export interface RegisterCustomer {
  type: 'RegisterCustomer';
  customerId: string;
  name: string;
  /** Normalized: trimmed, lower-case. */
  email: string;
  region: string;
  now: string;
}

export type CustomerCommand = RegisterCustomer;

export type CustomerState = { status: 'absent' } | { status: 'registered'; id: string; name: string; email: string; region: string };

export function initialState(): CustomerState {
  return { status: 'absent' };
}

export function evolve(_state: CustomerState, event: CustomerEvent): CustomerState {
  const { customerId, name, email, region } = event.data;
  return { status: 'registered', id: customerId, name, email, region };
}

/** Email uniqueness per tenant is not decided here: the append reserves the email in its transaction. */
export function decide(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  if (state.status !== 'absent') throw DomainError.alreadyExists('customer', command.customerId, 'customerId');
  const { customerId, name, email, region, now } = command;
  return [{ type: 'CustomerRegistered', data: { customerId, name, email, region, registeredAt: now } }];
}

export const customerDecider: Decider<CustomerCommand, CustomerState, CustomerEvent> = { decide, evolve, initialState };
