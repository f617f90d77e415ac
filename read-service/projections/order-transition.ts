import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent, OrderPlaced, OrderStatus } from '../../schema/events/order-events.js';
import type { OrderLineView, OrderTimelineEntryView } from '../../schema/views/commerce-views.js';

// What each order event does to its order_view row, apart from the SQL that writes it, so that
// `apply` (one by one) and `applyBatch` (rebuilds) decide alike.

/** What an order event after the placement does to the row: its status, reason (null keeps the row's) and timeline entry. */
export interface OrderTransition {
  status: OrderStatus;
  reason: string | null;
  /** When it happened: the row's updated_at. */
  at: string;
  entry: OrderTimelineEntryView;
}

export function orderTransition(event: EventEnvelope & OrderEvent): OrderTransition | undefined {
  const to = (status: OrderStatus, reason: string | null, at: string, detail: string | null): OrderTransition => ({
    status,
    reason,
    at,
    entry: { at: new Date(at).toISOString(), event: event.type, detail },
  });
  switch (event.type) {
    case 'OrderConfirmed':
      return to('CONFIRMED', null, event.data.confirmedAt, 'stock reserved');
    case 'OrderRejected':
      return to('REJECTED', event.data.reason, event.data.rejectedAt, `reason: ${event.data.reason}, product: ${event.data.productId}`);
    case 'OrderPaid':
      return to('PAID', null, event.data.paidAt, `amount: ${event.data.amount}`);
    case 'OrderShipped':
      return to('SHIPPED', null, event.data.shippedAt, null);
    case 'OrderCancelled': {
      const { reason, previousStatus, cancelledAt } = event.data;
      return to('CANCELLED', reason, cancelledAt, reason ? `reason: ${reason}, was: ${previousStatus}` : `was: ${previousStatus}`);
    }
    default:
      return undefined;
  }
}

/** The first timeline entry of an order. */
export function placedEntry(event: EventEnvelope & OrderPlaced): OrderTimelineEntryView {
  return { at: new Date(event.data.placedAt).toISOString(), event: event.type, detail: `total: ${event.data.total}` };
}

export function toLineView({ productId, sku, title, quantity, unitPrice, lineTotal }: OrderLineView): OrderLineView {
  return { productId, sku, title, quantity, unitPrice, lineTotal };
}
