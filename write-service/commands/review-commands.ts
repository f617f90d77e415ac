import {
  REVIEW,
  reviewStreamId,
  type ReviewEvent,
  type AddReviewInput,
  optionalString,
  requireIntInRange,
  requireUuid,
} from '../../schema/index.js';
import { reviewDecider, type ReviewCommand, type ReviewContext, type ReviewState } from '../domain/review.js';
import { pathsIn, type AggregateDefinition, type Untrusted } from './command-definition.js';
import { customerAggregate } from './customer-commands.js';
import { productAggregate } from './product-commands.js';

/** Reviews: one per customer and product, of a product and by a customer that exist on the write side. */
export const reviewAggregate: AggregateDefinition<ReviewCommand, ReviewState, ReviewEvent, ReviewContext> = {
  type: REVIEW,
  decider: reviewDecider,
  streamId: (command) => reviewStreamId(command.productId, command.customerId),
  async context(command, read) {
    const [product, customer] = await Promise.all([read(productAggregate, command.productId), read(customerAggregate, command.customerId)]);
    return { productExists: product.status !== 'absent', customerExists: customer.status !== 'absent' };
  },
  commands: {
    AddReview: {
      name: 'addReview',
      parse(input: Untrusted<AddReviewInput>, { now }) {
        const at = pathsIn<AddReviewInput>();
        return {
          command: {
            type: 'AddReview',
            productId: requireUuid(input.productId, at('productId')),
            customerId: requireUuid(input.customerId, at('customerId')),
            rating: requireIntInRange(input.rating, at('rating'), 1, 5),
            comment: optionalString(input.comment, at('comment'), 2000) || null,
            now,
          },
        };
      },
    },
  },
};
