import type { CommandName, Role } from '../../schema/index.js';

/**
 * What a role may do with a command: anything in its tenant; only as itself (the command's
 * customer is the caller); or only on its own order (the order's customer, as the write side
 * holds it, is the caller). `field` is the input field a refusal names.
 */
export type CommandGrant = { kind: 'any' } | { kind: 'asSelf'; field: string } | { kind: 'ownOrder'; field: string };

/** The grant of each role that may send a command; a role not named may not. */
export type CommandRule = Readonly<Partial<Record<Role, CommandGrant>>>;

export const ANY: CommandGrant = { kind: 'any' };
const CATALOG: CommandRule = { staff: ANY, admin: ANY };
const asSelf = (field: string): CommandRule => ({ customer: { kind: 'asSelf', field }, admin: ANY });
const ownOrder: CommandRule = { customer: { kind: 'ownOrder', field: 'input.id' }, admin: ANY };

/**
 * Every client command and who may send it (DESIGN.md §6): staff changes the catalog and ships
 * orders; a customer registers, orders, pays, cancels, reviews and keeps its wishlist only as
 * itself; admin may do everything. Keyed by the wire's command names, so a new mutation does not
 * compile until it has a rule here. The gateway holds the same decisions in its own table
 * (gateway/authorization/field-policy.ts); this one is the write side's, because anything on
 * NATS can send a command.
 */
export const commandPolicy: { readonly [Name in CommandName]: CommandRule } = {
  createProduct: CATALOG,
  renameProduct: CATALOG,
  changeProductPrice: CATALOG,
  restockProduct: CATALOG,
  discontinueProduct: CATALOG,
  // A customer registers itself: its token's `sub` is the id it registers (input.id).
  registerCustomer: asSelf('input.id'),
  placeOrder: asSelf('input.customerId'),
  payOrder: ownOrder,
  shipOrder: { staff: ANY, admin: ANY },
  cancelOrder: ownOrder,
  addReview: asSelf('input.customerId'),
  addToWishlist: asSelf('input.customerId'),
  removeFromWishlist: asSelf('input.customerId'),
};
