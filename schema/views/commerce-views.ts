import type { OrderLineData, OrderStatus } from '../events/order-events.js';

/** The customer read model. */
export interface CustomerView {
  id: string;
  name: string;
  email: string;
  region: string;
  ordersCount: number;
  /** Sum of paid orders (net of cancelled paid orders), decimal string. */
  totalSpent: string;
  lastOrderAt: string | null;
  /** Version of the Customer aggregate. */
  version: number;
  /** Bumped by every change of the row, also those from other aggregates (reviews, orders): subscribers order changes by it. */
  revision: number;
}

/** As captured at placement (the event's line). */
export type OrderLineView = OrderLineData;

export interface OrderTimelineEntryView {
  at: string;
  /** The domain event's type, e.g. OrderPlaced. */
  event: string;
  detail: string | null;
}

/** The order read model, with lines and a timeline of its life. */
export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLineView[];
  total: string;
  region: string;
  reason: string | null;
  placedAt: string;
  updatedAt: string;
  timeline: OrderTimelineEntryView[];
  /** Version of the Order aggregate. */
  version: number;
}

/** Paid orders per region and UTC day. */
export interface RegionalSalesView {
  region: string;
  /** YYYY-MM-DD. */
  day: string;
  ordersCount: number;
  revenue: string;
  /** Increases with every change of this row (orders subscriptions). */
  version: number;
}

/** Units sold and revenue per product, from confirmed orders net of cancellations. */
export interface TopProductView {
  productId: string;
  unitsSold: number;
  revenue: string;
}

export const CUSTOMER_VIEW = 'customer';
export const ORDER_VIEW = 'order';
/** Sales notices are keyed by region: `<ns>.view.<tenant>.sales.<region>`. */
export const SALES_VIEW = 'sales';
