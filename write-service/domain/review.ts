import { reviewStreamId, type ReviewEvent } from '../../schema/index.js';
import type { Decider } from './decider.js';
import { DomainError } from './domain-error.js';

export interface AddReview {
  type: 'AddReview';
  productId: string;
  customerId: string;
  rating: number;
  comment: string | null;
  now: string;
}

export type ReviewCommand = AddReview;

/** What adding a review reads from other aggregates: whether the product and the customer exist on the write side. */
export interface ReviewContext {
  productExists: boolean;
  customerExists: boolean;
}

/** A review is its own aggregate, one per customer and product (stream `<productId>:<customerId>`). */
export type ReviewState = { status: 'absent' } | { status: 'added'; rating: number };

export function initialState(): ReviewState {
  return { status: 'absent' };
}

export function evolve(_state: ReviewState, event: ReviewEvent): ReviewState {
  return { status: 'added', rating: event.data.rating };
}

export function decide(command: ReviewCommand, state: ReviewState, context: ReviewContext): ReviewEvent[] {
  const { productId, customerId, rating, comment, now } = command;
  if (!context.productExists) throw DomainError.notFound('product', productId, 'productId');
  if (!context.customerExists) throw DomainError.notFound('customer', customerId, 'customerId');
  if (state.status !== 'absent') throw DomainError.alreadyExists('review', reviewStreamId(productId, customerId), 'productId');
  return [{ type: 'ReviewAdded', data: { productId, customerId, rating, comment, addedAt: now } }];
}

export const reviewDecider: Decider<ReviewCommand, ReviewState, ReviewEvent, ReviewContext> = { decide, evolve, initialState };
