import type { DomainEvent } from './envelope.js';

export const CUSTOMER = 'Customer';

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  {
    customerId: string;
    name: string;
    /** Normalized: trimmed, lower-case. Unique per tenant. */
    email: string;
    region: string;
    registeredAt: string;
  }
>;

export type CustomerEvent = CustomerRegistered;
