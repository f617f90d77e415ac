/** One product on a wishlist, newest first. */
export interface WishlistItemView {
  productId: string;
  addedAt: string;
}

/** The wishlist read model: a customer's products. An empty list when the customer has none. */
export interface WishlistView {
  customerId: string;
  items: WishlistItemView[];
  /** Version of the Wishlist aggregate (0 before its first item). */
  version: number;
}
