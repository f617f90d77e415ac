/**
 * Envelopes of the commerce streams (customers, orders, stock, reviews) as the write side would
 * emit them, for feeding the projections directly. Product creation and restocks: see events.ts.
 */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderCancelled, OrderEvent, OrderLineData } from '../../schema/events/order-events.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import { reviewStreamId } from '../../schema/events/review-events.js';
import { envelope, productEnvelope } from './events.js';

/** A new customer (fresh id, email `<id>@example.com`) and its CustomerRegistered envelope. */
export function customerRegistered(tenant: string, region = 'eu', name = 'Ada'): { id: string; event: EventEnvelope } {
  const id = randomUUID();
  return {
    id,
    event: envelope(tenant, 'Customer', id, 1, {
      type: 'CustomerRegistered',
      data: { customerId: id, name, email: `${id}@example.com`, region, registeredAt: '2026-02-01T09:00:00.000Z' },
    }),
  };
}

/** An order line; the sku is derived from the product id, the caller states the (exact) line total. */
export function line(productId: string, quantity: number, unitPrice: string, lineTotal: string): OrderLineData {
  return { productId, sku: `SKU-${productId.slice(0, 4).toUpperCase()}`, title: 'Kettle', quantity, unitPrice, lineTotal };
}

/**
 * One order's events in version order, as the write side would emit them: each builder call
 * returns the next envelope of the order's stream (version 1, 2, ...), so call them in the
 * order the events happen.
 */
export function orderStory(tenant: string, customerId: string, region: string, lines: OrderLineData[], total: string) {
  const orderId = randomUUID();
  let version = 0;
  const next = (event: OrderEvent) => envelope(tenant, 'Order', orderId, ++version, event);
  const base = { orderId, customerId };
  return {
    orderId,
    placed: (placedAt: string) => next({ type: 'OrderPlaced', data: { ...base, region, lines, total, placedAt } }),
    confirmed: (confirmedAt: string) => next({ type: 'OrderConfirmed', data: { ...base, region, lines, total, confirmedAt } }),
    rejected: (rejectedAt: string, productId: string) =>
      next({ type: 'OrderRejected', data: { ...base, reason: 'OUT_OF_STOCK', productId, rejectedAt } }),
    paid: (paidAt: string) => next({ type: 'OrderPaid', data: { ...base, region, amount: total, paidAt } }),
    shipped: (shippedAt: string) => next({ type: 'OrderShipped', data: { ...base, shippedAt } }),
    cancelled: (
      cancelledAt: string,
      previousStatus: OrderCancelled['data']['previousStatus'],
      paidAt: string | null,
      reason: string | null = null,
    ) => next({ type: 'OrderCancelled', data: { ...base, region, reason, previousStatus, lines, total, paidAt, cancelledAt } }),
  };
}

/** A StockReserved or StockReleased envelope of a product stream, for a fresh order id. */
export function stock(
  tenant: string,
  productId: string,
  version: number,
  type: 'StockReserved' | 'StockReleased',
  quantity: number,
): EventEnvelope {
  const at = new Date().toISOString();
  const event: ProductEvent =
    type === 'StockReserved'
      ? { type, data: { productId, orderId: randomUUID(), quantity, reservedAt: at } }
      : { type, data: { productId, orderId: randomUUID(), quantity, releasedAt: at } };
  return productEnvelope(tenant, productId, version, event);
}

/** A ReviewAdded envelope by a fresh customer (so its own stream, version 1), without a comment. */
export function review(tenant: string, productId: string, rating: number): EventEnvelope {
  const customerId = randomUUID();
  return envelope(tenant, 'Review', reviewStreamId(productId, customerId), 1, {
    type: 'ReviewAdded',
    data: { productId, customerId, rating, comment: null, addedAt: new Date().toISOString() },
  });
}
