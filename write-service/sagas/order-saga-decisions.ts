import { AppError, ErrorCode } from '../../schema/errors.js';
import type { RejectionReason } from '../../schema/events/order-events.js';

export interface Rejection {
  reason: RejectionReason;
  productId: string;
}

/**
 * What the saga does when a product refuses a reservation: reject the order with the product's
 * reason (OUT_OF_STOCK or PRODUCT_DISCONTINUED); a product that does not exist counts as
 * discontinued. Anything else is not a business outcome and returns undefined: the step is
 * retried.
 */
export function decideOnReservationFailure(error: unknown, productId: string): Rejection | undefined {
  if (!(error instanceof AppError)) return undefined;
  if (error.code === ErrorCode.INVALID_STATE) {
    const reason = error.details?.reason;
    if (reason === 'OUT_OF_STOCK' || reason === 'PRODUCT_DISCONTINUED') return { reason, productId };
  }
  if (error.code === ErrorCode.NOT_FOUND) return { reason: 'PRODUCT_DISCONTINUED', productId };
  return undefined;
}
