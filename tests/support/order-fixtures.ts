/**
 * The order examples the order decider's specs share: one order (ids, clock, two products), what
 * placing it reads, its events, and a history that leaves it in each status.
 */
import type { OrderEvent, OrderLineData, OrderPlaced, OrderStatus } from '../../schema/events/order-events.js';
import {
  orderDecider,
  type OrderCommand,
  type OrderContext,
  type OrderedProduct,
  type OrderState,
  type PlaceOrder,
} from '../../write-service/domain/order.js';
import { deciderSpec } from './decider-spec.js';

export const spec = deciderSpec<OrderCommand, OrderState, OrderEvent, OrderContext>(orderDecider);

export const orderId = '0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5';
export const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
export const mugId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
export const teaId = '7a2d3b5f-9c4e-4d6f-8a81-223344556677';
export const placedAt = '2026-11-26T10:00:00.000Z';
export const paidAt = '2026-11-26T11:00:00.000Z';
export const now = '2026-11-27T08:30:00.000Z';

export const mug: OrderedProduct = { sku: 'MUG-001', title: 'Enamel mug', price: '12.50', currency: 'USD', discontinued: false };
export const tea: OrderedProduct = { sku: 'TEA-042', title: 'Green tea', price: '0.10', currency: 'USD', discontinued: false };

/** A product id per index, for orders with many lines. */
export const productIdAt = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

export const place = (
  lines: PlaceOrder['lines'] = [
    { productId: mugId, quantity: 2 },
    { productId: teaId, quantity: 3 },
  ],
): PlaceOrder => ({ type: 'PlaceOrder', orderId, customerId, lines, now });

/** What placement reads: the customer's region (none: no such customer) and the products that exist. */
export const read = ({
  region = 'eu-west',
  products = { [mugId]: mug, [teaId]: tea },
}: { region?: string | null; products?: Record<string, OrderedProduct> } = {}): OrderContext => ({
  customers: region === null ? new Map() : new Map([[customerId, { region }]]),
  products: new Map(Object.entries(products)),
});

export const lines: OrderLineData[] = [
  { productId: mugId, sku: 'MUG-001', title: 'Enamel mug', quantity: 2, unitPrice: '12.50', lineTotal: '25.00' },
  { productId: teaId, sku: 'TEA-042', title: 'Green tea', quantity: 3, unitPrice: '0.10', lineTotal: '0.30' },
];
export const total = '25.30';
export const region = 'eu-west';

export const placed: OrderPlaced = { type: 'OrderPlaced', data: { orderId, customerId, region, lines, total, placedAt } };
export const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, region, lines, total, confirmedAt: placedAt } };
const rejected: OrderEvent = {
  type: 'OrderRejected',
  data: { orderId, customerId, reason: 'OUT_OF_STOCK', productId: mugId, rejectedAt: placedAt },
};
export const paid: OrderEvent = { type: 'OrderPaid', data: { orderId, customerId, region, amount: total, paidAt } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, customerId, shippedAt: paidAt } };
const cancelledFromPending: OrderEvent = {
  type: 'OrderCancelled',
  data: { orderId, customerId, region, reason: null, previousStatus: 'PENDING', lines, total, paidAt: null, cancelledAt: placedAt },
};

/** A history that leaves the order in each status. */
export const histories: Record<OrderStatus, OrderEvent[]> = {
  PENDING: [placed],
  CONFIRMED: [placed, confirmed],
  REJECTED: [placed, rejected],
  PAID: [placed, confirmed, paid],
  SHIPPED: [placed, confirmed, paid, shipped],
  CANCELLED: [placed, cancelledFromPending],
};
export const statuses = Object.keys(histories) as OrderStatus[];
