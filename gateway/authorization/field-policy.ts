import type { Role } from '../../schema/index.js';

/**
 * What a principal may do with a field:
 * - `all`: as asked;
 * - `self`: the argument at `arg` (`id`, `input.customerId`) must be the caller's own customer
 *   id; with `fill`, an absent one becomes the caller's (a customer's `orders` are its own);
 * - `ownOrder`: the order read or watched must be the caller's (a mutation on an order is passed
 *   on: the write-service holds the order and decides it);
 * - `own`: a field of a Customer: the customer must be the caller.
 */
export type FieldGrant =
  { kind: 'all' } | { kind: 'self'; arg: string; fill?: boolean } | { kind: 'ownOrder'; arg: string } | { kind: 'own' };

/** Who: a known role, or `anyone` (every authenticated principal, whatever its roles, none included). */
export type Audience = Role | 'anyone';

/** The grant of each audience that may use a field; an audience not named may not. */
export type FieldRule = Readonly<Partial<Record<Audience, FieldGrant>>>;

const ALL: FieldGrant = { kind: 'all' };
/** The catalog: every principal, with a known role or not. */
const CATALOG: FieldRule = { anyone: ALL };
/** Reads of the whole tenant (sales, rankings, the read models' state). */
const STAFF_READ: FieldRule = { staff: ALL, admin: ALL };
/** Changes to the catalog. */
const CATALOG_CHANGE: FieldRule = { staff: ALL, admin: ALL };
const self = (arg: string, fill = false): FieldGrant => ({ kind: 'self', arg, ...(fill && { fill }) });
/** A customer reads its own; staff and admin read everything of the tenant. */
const readOwn = (grant: FieldGrant): FieldRule => ({ customer: grant, staff: ALL, admin: ALL });
/** A customer acts only as itself; admin acts as anyone. */
const actAsSelf = (grant: FieldGrant): FieldRule => ({ customer: grant, admin: ALL });

/**
 * The gateway's policy (DESIGN.md §6), consulted for every field named here by
 * `authorizeSchema`: every field of Query, Mutation and Subscription (the schema does not build
 * without one), and the personal fields of Customer. The write-service decides every command
 * again on its own table (write-service/authorization/command-policy.ts); the two agree, which
 * tests/security/authorization.test.ts checks.
 */
export const fieldPolicy: Readonly<Record<string, Readonly<Record<string, FieldRule>>>> = {
  Query: {
    product: CATALOG,
    products: CATALOG,
    topProducts: STAFF_READ,
    salesByRegion: STAFF_READ,
    projections: STAFF_READ,
    customer: readOwn(self('id')),
    order: readOwn({ kind: 'ownOrder', arg: 'id' }),
    orders: readOwn(self('customerId', true)),
    wishlist: readOwn(self('customerId')),
  },
  Mutation: {
    createProduct: CATALOG_CHANGE,
    renameProduct: CATALOG_CHANGE,
    changeProductPrice: CATALOG_CHANGE,
    restockProduct: CATALOG_CHANGE,
    discontinueProduct: CATALOG_CHANGE,
    // A customer registers itself: its token's `sub` is the id it registers.
    registerCustomer: actAsSelf(self('input.id')),
    placeOrder: actAsSelf(self('input.customerId')),
    payOrder: actAsSelf({ kind: 'ownOrder', arg: 'input.id' }),
    shipOrder: { staff: ALL, admin: ALL },
    cancelOrder: actAsSelf({ kind: 'ownOrder', arg: 'input.id' }),
    addReview: actAsSelf(self('input.customerId')),
    addToWishlist: actAsSelf(self('input.customerId')),
    removeFromWishlist: actAsSelf(self('input.customerId')),
  },
  Subscription: {
    productUpdated: CATALOG,
    salesUpdated: STAFF_READ,
    customerUpdated: readOwn(self('id')),
    orderUpdated: readOwn({ kind: 'ownOrder', arg: 'id' }),
  },
  // Personal data: the customer itself, staff and admin. A field refused here answers FORBIDDEN;
  // `email` and `totalSpent` are non-null, so the Customer holding them reads as null (or the
  // whole answer, under a non-null parent).
  Customer: {
    email: readOwn({ kind: 'own' }),
    totalSpent: readOwn({ kind: 'own' }),
    ordersCount: readOwn({ kind: 'own' }),
    lastOrderAt: readOwn({ kind: 'own' }),
  },
};

/** The root types: each of their fields must have a rule. */
export const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;
