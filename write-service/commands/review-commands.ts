import type { ReviewCommand } from '../../schema/commands/review-commands.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { REVIEW, reviewStreamId } from '../../schema/events/review-events.js';
import { optionalString, requireIntInRange, requireUuid } from '../../schema/validation.js';
import type { CustomerState } from '../domain/customer.js';
import type { ProductState } from '../domain/product.js';
import { reviewDecider } from '../domain/review.js';
import type { CommandDefinition } from './command-definition.js';

export const addReview: CommandDefinition<ReviewCommand> = {
  name: 'addReview',
  aggregateType: REVIEW,
  decider: reviewDecider,
  parse(input, { now }) {
    const productId = requireUuid(input.productId, 'productId');
    const customerId = requireUuid(input.customerId, 'customerId');
    return {
      aggregateId: reviewStreamId(productId, customerId),
      command: {
        type: 'AddReview',
        productId,
        customerId,
        rating: requireIntInRange(input.rating, 'rating', 1, 5),
        comment: optionalString(input.comment, 'comment', 2000) || null,
        productExists: false,
        customerExists: false,
        now,
      },
    };
  },
  async enrich(command, load) {
    const [product, customer] = await Promise.all([
      load<ProductState>(PRODUCT, command.productId),
      load<CustomerState>(CUSTOMER, command.customerId),
    ]);
    return { ...command, productExists: product.status !== 'absent', customerExists: customer.status !== 'absent' };
  },
};

export const reviewCommands: CommandDefinition[] = [addReview];
