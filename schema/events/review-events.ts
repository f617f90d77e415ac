import type { DomainEvent } from './envelope.js';

export const REVIEW = 'Review';

/** One review per customer and product: the review's stream id is `<productId>:<customerId>`. */
export type ReviewAdded = DomainEvent<
  'ReviewAdded',
  {
    productId: string;
    customerId: string;
    rating: number;
    comment: string | null;
    addedAt: string;
  }
>;

export type ReviewEvent = ReviewAdded;

export function reviewStreamId(productId: string, customerId: string): string {
  return `${productId}:${customerId}`;
}
