import type { DomainEvent } from './envelope.js';

export const ORDER = 'Order';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'PAID' | 'SHIPPED' | 'CANCELLED';
export type RejectionReason = 'OUT_OF_STOCK' | 'PRODUCT_DISCONTINUED';

/** A line as captured at placement from the write-side product: price and title never change after. */
export interface OrderLineData {
  productId: string;
  sku: string;
  title: string;
  quantity: number;
  /** Decimal strings. */
  unitPrice: string;
  lineTotal: string;
}

export type OrderPlaced = DomainEvent<
  'OrderPlaced',
  {
    orderId: string;
    customerId: string;
    /** The customer's region at placement. */
    region: string;
    lines: OrderLineData[];
    total: string;
    placedAt: string;
  }
>;
/** Every line's stock is reserved. Carries the lines so that read models need no other stream. */
export type OrderConfirmed = DomainEvent<
  'OrderConfirmed',
  {
    orderId: string;
    customerId: string;
    region: string;
    lines: OrderLineData[];
    total: string;
    confirmedAt: string;
  }
>;
export type OrderRejected = DomainEvent<
  'OrderRejected',
  {
    orderId: string;
    customerId: string;
    reason: RejectionReason;
    productId: string;
    rejectedAt: string;
  }
>;
export type OrderPaid = DomainEvent<
  'OrderPaid',
  {
    orderId: string;
    customerId: string;
    region: string;
    amount: string;
    paidAt: string;
  }
>;
export type OrderShipped = DomainEvent<'OrderShipped', { orderId: string; customerId: string; shippedAt: string }>;
/** Cancelled before shipping. `previousStatus` and `paidAt` tell read models what to take back. */
export type OrderCancelled = DomainEvent<
  'OrderCancelled',
  {
    orderId: string;
    customerId: string;
    region: string;
    reason: string | null;
    previousStatus: 'PENDING' | 'CONFIRMED' | 'PAID';
    lines: OrderLineData[];
    total: string;
    paidAt: string | null;
    cancelledAt: string;
  }
>;

export type OrderEvent = OrderPlaced | OrderConfirmed | OrderRejected | OrderPaid | OrderShipped | OrderCancelled;
