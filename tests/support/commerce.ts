import { randomUUID } from 'node:crypto';
import { gql, gqlData } from './graphql-client.js';
import type { CommandResultData } from './catalog.js';

export const REGISTER_CUSTOMER =
  'mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { aggregateId version consistencyToken replayed } }';
export const PLACE_ORDER =
  'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { aggregateId version consistencyToken replayed } }';
export const PAY_ORDER = 'mutation($input: PayOrderInput!) { payOrder(input: $input) { aggregateId version consistencyToken } }';
export const SHIP_ORDER = 'mutation($input: ShipOrderInput!) { shipOrder(input: $input) { aggregateId version consistencyToken } }';
export const CANCEL_ORDER = 'mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { aggregateId version consistencyToken } }';
export const ADD_REVIEW = 'mutation($input: AddReviewInput!) { addReview(input: $input) { aggregateId version consistencyToken } }';

export async function registerCustomer(
  url: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<CommandResultData> {
  const input = { name: 'Ada Ng', email: `ada-${randomUUID()}@example.com`, region: 'north', ...overrides };
  return (await gqlData<{ registerCustomer: CommandResultData }>(url, REGISTER_CUSTOMER, { input }, headers)).registerCustomer;
}

export async function placeOrder(
  url: string,
  customerId: string,
  lines: { productId: string; quantity: number }[],
  headers: Record<string, string> = {},
) {
  return gql<{ placeOrder: CommandResultData }>(url, PLACE_ORDER, { input: { customerId, lines } }, headers);
}
