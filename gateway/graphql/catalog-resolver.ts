import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import {
  ChangeProductPriceInput,
  CreateProductInput,
  DiscontinueProductInput,
  Product,
  ProductConnection,
  ProductFilter,
  ProductSort,
  RenameProductInput,
  RestockProductInput,
} from './catalog-types.js';
import { CommandResult } from './common-types.js';
import { type CommandResult as CommandResultMessage, type Connection, PRODUCT_VIEW, type ProductView } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';
import { uuidKey } from '../subscriptions/view-hub.js';
import { watchView } from '../subscriptions/watch-view.js';

/** The catalog: translates GraphQL to product commands and queries, nothing more. */
@Resolver(() => Product)
export class CatalogResolver {
  @Query(() => Product, { nullable: true })
  product(
    @Arg('id', () => ID) id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<ProductView | null> {
    // Checked here, so that one bad id fails its own field, not the whole batch.
    return ctx.loaders.product(consistencyToken).load(uuidKey(id, 'id'));
  }

  @Query(() => ProductConnection)
  products(
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('search', () => String, { nullable: true }) search: string | null,
    @Arg('sort', () => ProductSort, { nullable: true }) sort: ProductSort | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<ProductView>> {
    return ctx.bus.query('products', { filter, search, sort, first, after }, ctx, consistencyToken);
  }

  @Mutation(() => CommandResult)
  createProduct(
    @Arg('input', () => CreateProductInput) input: CreateProductInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('createProduct', input, ctx);
  }

  @Mutation(() => CommandResult)
  renameProduct(
    @Arg('input', () => RenameProductInput) input: RenameProductInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('renameProduct', input, ctx);
  }

  @Mutation(() => CommandResult)
  changeProductPrice(
    @Arg('input', () => ChangeProductPriceInput) input: ChangeProductPriceInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('changeProductPrice', input, ctx);
  }

  @Mutation(() => CommandResult)
  restockProduct(
    @Arg('input', () => RestockProductInput) input: RestockProductInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('restockProduct', input, ctx);
  }

  @Mutation(() => CommandResult)
  discontinueProduct(
    @Arg('input', () => DiscontinueProductInput) input: DiscontinueProductInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('discontinueProduct', input, ctx);
  }

  @Subscription(() => Product, {
    description: 'Emits the current view first (when it exists), then every committed change, in version order.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string; consistencyToken?: string | null }, GatewayContext>) => {
      const key = uuidKey(args.id, 'id');
      return watchView<ProductView>({
        hub: context.views,
        tenant: context.principal.tenant,
        view: PRODUCT_VIEW,
        key,
        // Through the loader, so through the view cache: a thousand dashboards opening on one product cost one read.
        loadCurrent: () => context.loaders.product(args.consistencyToken).load(key),
      });
    },
  })
  productUpdated(
    @Root() product: ProductView,
    @Arg('id', () => ID) _id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) _consistencyToken: string | null,
  ): ProductView {
    return product;
  }
}
