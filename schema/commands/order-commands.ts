import type { RejectionReason } from '../events/order-events.js';

/** What placement needs to know of a product, read from the write side (never the read model). */
export interface ProductSnapshot {
  sku: string;
  title: string;
  price: string;
  discontinued: boolean;
}

export interface PlaceOrder {
  type: 'PlaceOrder';
  orderId: string;
  customerId: string;
  /** The customer's region, or null when the customer does not exist. */
  customerRegion: string | null;
  lines: { productId: string; quantity: number; product: ProductSnapshot | null }[];
  now: string;
}
export interface PayOrder {
  type: 'PayOrder';
  orderId: string;
  amount: string;
  now: string;
}
export interface ShipOrder {
  type: 'ShipOrder';
  orderId: string;
  now: string;
}
export interface CancelOrder {
  type: 'CancelOrder';
  orderId: string;
  reason: string | null;
  now: string;
}
/** Saga commands. */
export interface ConfirmOrder {
  type: 'ConfirmOrder';
  orderId: string;
  now: string;
}
export interface RejectOrder {
  type: 'RejectOrder';
  orderId: string;
  reason: RejectionReason;
  productId: string;
  now: string;
}

export type OrderCommand = PlaceOrder | PayOrder | ShipOrder | CancelOrder | ConfirmOrder | RejectOrder;
