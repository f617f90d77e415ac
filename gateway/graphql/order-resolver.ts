import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import {
  type CommandResult as CommandResultMessage,
  type Connection,
  ORDER_VIEW,
  type CustomerView,
  type OrderLineView,
  type OrderView,
  type ProductView,
} from '../../schema/index.js';
import { Product } from './catalog-types.js';
import { CommandResult } from './common-types.js';
import { Customer } from './customer-types.js';
import {
  CancelOrderInput,
  Order,
  OrderConnection,
  OrderLine,
  OrderStatus,
  PayOrderInput,
  PlaceOrderInput,
  ShipOrderInput,
} from './order-types.js';
import type { GatewayContext } from '../context.js';
import { uuidKey } from '../subscriptions/view-hub.js';
import { watchView } from '../subscriptions/watch-view.js';

/** Remembers the token an order was read with, for its customer and its lines' products. */
function readWith(ctx: GatewayContext, order: OrderView, token: string | null | undefined): OrderView {
  if (token) {
    ctx.readTokens.set(order, token);
    for (const line of order.lines) ctx.readTokens.set(line, token);
  }
  return order;
}

/** Orders: translates GraphQL to order commands and queries, nothing more. */
@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true })
  async order(
    @Arg('id', () => ID) id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<OrderView | null> {
    const order = await ctx.bus.query('order', { id }, ctx, consistencyToken);
    return order && readWith(ctx, order, consistencyToken);
  }

  @Query(() => OrderConnection)
  async orders(
    @Arg('customerId', () => ID, { nullable: true }) customerId: string | null,
    @Arg('status', () => OrderStatus, { nullable: true }) status: OrderStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<OrderView>> {
    const page = await ctx.bus.query('orders', { customerId, status, first, after }, ctx, consistencyToken);
    for (const edge of page.edges) readWith(ctx, edge.node, consistencyToken);
    return page;
  }

  @FieldResolver(() => Customer, { nullable: true })
  customer(@Root() order: OrderView, @Ctx() ctx: GatewayContext): Promise<CustomerView | null> {
    return ctx.loaders.customer(ctx.readTokens.get(order)).load(order.customerId);
  }

  @Mutation(() => CommandResult, {
    description: 'Places a PENDING order; stock is reserved asynchronously and the order becomes CONFIRMED or REJECTED.',
  })
  placeOrder(@Arg('input', () => PlaceOrderInput) input: PlaceOrderInput, @Ctx() ctx: GatewayContext): Promise<CommandResultMessage> {
    return ctx.bus.command('placeOrder', input, ctx);
  }

  @Mutation(() => CommandResult)
  payOrder(@Arg('input', () => PayOrderInput) input: PayOrderInput, @Ctx() ctx: GatewayContext): Promise<CommandResultMessage> {
    return ctx.bus.command('payOrder', input, ctx);
  }

  @Mutation(() => CommandResult)
  shipOrder(@Arg('input', () => ShipOrderInput) input: ShipOrderInput, @Ctx() ctx: GatewayContext): Promise<CommandResultMessage> {
    return ctx.bus.command('shipOrder', input, ctx);
  }

  @Mutation(() => CommandResult)
  cancelOrder(@Arg('input', () => CancelOrderInput) input: CancelOrderInput, @Ctx() ctx: GatewayContext): Promise<CommandResultMessage> {
    return ctx.bus.command('cancelOrder', input, ctx);
  }

  @Subscription(() => Order, {
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string; consistencyToken?: string | null }, GatewayContext>) => {
      const id = uuidKey(args.id, 'id');
      return watchView<OrderView>({
        hub: context.views,
        tenant: context.principal.tenant,
        view: ORDER_VIEW,
        key: id,
        loadCurrent: () => context.bus.query('order', { id }, context, args.consistencyToken),
      });
    },
  })
  orderUpdated(
    @Root() order: OrderView,
    @Arg('id', () => ID) _id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): OrderView {
    return readWith(ctx, order, consistencyToken);
  }
}

/** An order line's product, through the product DataLoader (one request per page of orders). */
@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => Product, { nullable: true, description: "The product's current view, resolved in batches." })
  product(@Root() line: OrderLineView, @Ctx() ctx: GatewayContext): Promise<ProductView | null> {
    return ctx.loaders.product(ctx.readTokens.get(line)).load(line.productId);
  }
}
