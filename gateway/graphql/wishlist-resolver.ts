import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CommandResult as CommandResultMessage, ProductView, WishlistItemView, WishlistView } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';
import { Product } from './catalog-types.js';
import { CommandResult } from './common-types.js';
import { Wishlist, WishlistItem, WishlistItemInput } from './wishlist-types.js';

/** Wishlists: translates GraphQL to wishlist commands and queries, nothing more. */
@Resolver(() => Wishlist)
export class WishlistResolver {
  @Query(() => Wishlist)
  async wishlist(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<WishlistView> {
    const wishlist = await ctx.bus.query('wishlist', { customerId }, ctx, consistencyToken);
    if (consistencyToken) for (const item of wishlist.items) ctx.readTokens.set(item, consistencyToken);
    return wishlist;
  }

  @Mutation(() => CommandResult, { description: "Adds a product to a customer's wishlist; adding it again changes nothing." })
  addToWishlist(
    @Arg('input', () => WishlistItemInput) input: WishlistItemInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('addToWishlist', input, ctx);
  }

  @Mutation(() => CommandResult, {
    description: "Removes a product from a customer's wishlist; removing one it does not hold changes nothing.",
  })
  removeFromWishlist(
    @Arg('input', () => WishlistItemInput) input: WishlistItemInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('removeFromWishlist', input, ctx);
  }
}

@Resolver(() => WishlistItem)
export class WishlistItemResolver {
  @FieldResolver(() => Product, { nullable: true, description: "The product's current view, resolved in batches." })
  product(@Root() item: WishlistItemView, @Ctx() ctx: GatewayContext): Promise<ProductView | null> {
    return ctx.loaders.product(ctx.readTokens.get(item)).load(item.productId);
  }
}
