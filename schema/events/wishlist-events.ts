import type { DomainEvent } from './envelope.js';

export const WISHLIST = 'Wishlist';

/** A customer's wishlist is one stream per customer: its stream id is the customer's id. */
export type WishlistItemAdded = DomainEvent<'WishlistItemAdded', { customerId: string; productId: string; addedAt: string }>;
export type WishlistItemRemoved = DomainEvent<'WishlistItemRemoved', { customerId: string; productId: string; removedAt: string }>;

export type WishlistEvent = WishlistItemAdded | WishlistItemRemoved;

export const WISHLIST_EVENT_TYPES: readonly WishlistEvent['type'][] = ['WishlistItemAdded', 'WishlistItemRemoved'];
