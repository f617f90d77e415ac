import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { CommandResult as CommandResultMessage } from '../../schema/index.js';
import { CommandResult } from './common-types.js';
import { AddReviewInput } from './customer-types.js';
import type { GatewayContext } from '../context.js';

/** Reviews: a customer's rating of a product, as a command. */
@Resolver()
export class ReviewResolver {
  @Mutation(() => CommandResult)
  addReview(@Arg('input', () => AddReviewInput) input: AddReviewInput, @Ctx() ctx: GatewayContext): Promise<CommandResultMessage> {
    return ctx.bus.command('addReview', input, ctx);
  }
}
