import type { WishlistEvent } from '../../schema/index.js';
import type { Decider } from './decider.js';
import { DomainError } from './domain-error.js';

/** Most products one wishlist holds. */
export const MAX_WISHLIST_ITEMS = 100;

export interface AddToWishlist {
  type: 'AddToWishlist';
  customerId: string;
  productId: string;
  now: string;
}
export interface RemoveFromWishlist {
  type: 'RemoveFromWishlist';
  customerId: string;
  productId: string;
  now: string;
}

export type WishlistCommand = AddToWishlist | RemoveFromWishlist;

/** What adding reads from other aggregates: the customer, and the product's status (`absent` when it does not exist). */
export interface WishlistContext {
  customerExists: boolean;
  product: 'absent' | 'active' | 'discontinued';
}

/** The products on the list; a customer's list exists from its first item. */
export interface WishlistState {
  productIds: ReadonlySet<string>;
}

export function initialState(): WishlistState {
  return { productIds: new Set() };
}

export function evolve(state: WishlistState, event: WishlistEvent): WishlistState {
  const productIds = new Set(state.productIds);
  if (event.type === 'WishlistItemAdded') productIds.add(event.data.productId);
  else productIds.delete(event.data.productId);
  return { productIds };
}

/** Adding what is already there, or removing what is not, changes nothing (no event). */
export function decide(command: WishlistCommand, state: WishlistState, context: WishlistContext): WishlistEvent[] {
  const { customerId, productId, now } = command;
  if (command.type === 'RemoveFromWishlist') {
    return state.productIds.has(productId) ? [{ type: 'WishlistItemRemoved', data: { customerId, productId, removedAt: now } }] : [];
  }
  if (!context.customerExists) throw DomainError.notFound('customer', customerId, 'customerId');
  if (context.product === 'absent') throw DomainError.notFound('product', productId, 'productId');
  if (state.productIds.has(productId)) return [];
  if (context.product === 'discontinued') throw DomainError.discontinued(productId);
  if (state.productIds.size >= MAX_WISHLIST_ITEMS) {
    throw DomainError.ruleViolated('productId', `a wishlist holds at most ${MAX_WISHLIST_ITEMS} products`, { max: MAX_WISHLIST_ITEMS });
  }
  return [{ type: 'WishlistItemAdded', data: { customerId, productId, addedAt: now } }];
}

export const wishlistDecider: Decider<WishlistCommand, WishlistState, WishlistEvent, WishlistContext> = { decide, evolve, initialState };
