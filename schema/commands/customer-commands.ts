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
