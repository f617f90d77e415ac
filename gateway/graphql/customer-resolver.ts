import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { type CommandResult as CommandResultMessage, CUSTOMER_VIEW, type CustomerView } from '../../schema/index.js';
import { CommandResult } from './common-types.js';
import { Customer, RegisterCustomerInput } from './customer-types.js';
import type { GatewayContext } from '../context.js';
import { uuidKey } from '../subscriptions/view-hub.js';
import { watchView } from '../subscriptions/watch-view.js';

/** Customers: translates GraphQL to customer commands and queries, nothing more. */
@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, { nullable: true })
  customer(
    @Arg('id', () => ID) id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<CustomerView | null> {
    return ctx.loaders.customer(consistencyToken).load(uuidKey(id, 'id'));
  }

  @Mutation(() => CommandResult)
  registerCustomer(
    @Arg('input', () => RegisterCustomerInput) input: RegisterCustomerInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResultMessage> {
    return ctx.bus.command('registerCustomer', input, ctx);
  }

  @Subscription(() => Customer, {
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string; consistencyToken?: string | null }, GatewayContext>) => {
      const id = uuidKey(args.id, 'id');
      return watchView<CustomerView>({
        hub: context.views,
        tenant: context.principal.tenant,
        view: CUSTOMER_VIEW,
        key: id,
        loadCurrent: () => context.bus.query('customer', { id }, context, args.consistencyToken),
      });
    },
  })
  customerUpdated(
    @Root() customer: CustomerView,
    @Arg('id', () => ID) _id: string,
    @Arg('consistencyToken', () => String, { nullable: true }) _consistencyToken: string | null,
  ): CustomerView {
    return customer;
  }
}
