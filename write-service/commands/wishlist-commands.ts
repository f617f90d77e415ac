import { WISHLIST, type WishlistEvent, type WishlistItemInput, requireUuid } from '../../schema/index.js';
import { wishlistDecider, type WishlistCommand, type WishlistContext, type WishlistState } from '../domain/wishlist.js';
import { pathsIn, type AggregateDefinition, type Untrusted } from './command-definition.js';
import { customerAggregate } from './customer-commands.js';
import { productAggregate } from './product-commands.js';

const at = pathsIn<WishlistItemInput>();

/** The wire input of both wishlist mutations, read the same way. */
function item(input: Untrusted<WishlistItemInput>): { customerId: string; productId: string } {
  return { customerId: requireUuid(input.customerId, at('customerId')), productId: requireUuid(input.productId, at('productId')) };
}

/** Wishlists: one per customer, of products that exist on the write side. */
export const wishlistAggregate: AggregateDefinition<WishlistCommand, WishlistState, WishlistEvent, WishlistContext> = {
  type: WISHLIST,
  decider: wishlistDecider,
  streamId: (command) => command.customerId,
  async context(command, read) {
    if (command.type === 'RemoveFromWishlist') return { customerExists: true, product: 'active' };
    const [customer, product] = await Promise.all([read(customerAggregate, command.customerId), read(productAggregate, command.productId)]);
    return { customerExists: customer.status !== 'absent', product: product.status };
  },
  commands: {
    AddToWishlist: {
      name: 'addToWishlist',
      parse: (input: Untrusted<WishlistItemInput>, { now }) => ({ command: { type: 'AddToWishlist', ...item(input), now } }),
    },
    RemoveFromWishlist: {
      name: 'removeFromWishlist',
      parse: (input: Untrusted<WishlistItemInput>, { now }) => ({ command: { type: 'RemoveFromWishlist', ...item(input), now } }),
    },
  },
};
