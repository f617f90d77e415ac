import type { RejectionReason } from '../../schema/index.js';
import { DomainError } from '../domain/domain-error.js';

export interface Rejection {
  reason: RejectionReason;
  productId: string;
}

/**
 * What the saga does when a product refuses a reservation: reject the order with the product's
 * reason (out of stock, or discontinued); a product that does not exist counts as discontinued.
 * Anything else is not a business outcome and returns undefined: the step is retried.
 */
export function decideOnReservationFailure(error: unknown, productId: string): Rejection | undefined {
  if (!(error instanceof DomainError)) return undefined;
  switch (error.refusal.reason) {
    case 'OutOfStock':
      return { reason: 'OUT_OF_STOCK', productId };
    case 'Discontinued':
    case 'NotFound':
      return { reason: 'PRODUCT_DISCONTINUED', productId };
    default:
      return undefined;
  }
}

/** Whether the order refused a step because of its status (cancelled meanwhile): the saga then gives the stock back. */
export function refusedByOrderStatus(error: unknown): boolean {
  return error instanceof DomainError && error.refusal.reason === 'InvalidTransition';
}
