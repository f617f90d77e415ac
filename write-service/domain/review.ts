import { AppError } from '../../schema/errors.js';
import type { ReviewCommand } from '../../schema/commands/review-commands.js';
import type { ReviewEvent } from '../../schema/events/review-events.js';
import type { Decider } from './decider.js';

/** A review is its own aggregate, one per customer and product (stream `<productId>:<customerId>`). */
export type ReviewState = { status: 'absent' } | { status: 'added'; rating: number };

export function initialState(): ReviewState {
  return { status: 'absent' };
}

export function evolve(_state: ReviewState, event: ReviewEvent): ReviewState {
  return { status: 'added', rating: event.data.rating };
}

export function decide(command: ReviewCommand, state: ReviewState): ReviewEvent[] {
  if (!command.productExists) throw AppError.notFound('product', command.productId, 'productId');
  if (!command.customerExists) throw AppError.notFound('customer', command.customerId, 'customerId');
  if (state.status !== 'absent') {
    throw AppError.conflict('productId', `customer ${command.customerId} already reviewed product ${command.productId}`);
  }
  const { productId, customerId, rating, comment, now } = command;
  return [{ type: 'ReviewAdded', data: { productId, customerId, rating, comment, addedAt: now } }];
}

export const reviewDecider: Decider<ReviewCommand, ReviewState, ReviewEvent> = { decide, evolve, initialState };
