import type { DomainEvent } from './envelope.js';

export const PRODUCT = 'Product';

/**
 * Schema version 2 (version 1, without `currency`, and its upcaster: product-created-v1.ts).
 * Later price changes are in the same currency.
 */
export type ProductCreated = DomainEvent<
  'ProductCreated',
  {
    productId: string;
    sku: string;
    title: string;
    description: string | null;
    category: string;
    /** Decimal string with at most two decimals, e.g. "19.99", in `currency`. */
    price: string;
    /** ISO 4217 code, three capital letters ("USD"). */
    currency: string;
    initialStock: number;
    createdAt: string;
  }
>;
export type ProductRenamed = DomainEvent<'ProductRenamed', { productId: string; title: string; previousTitle: string; renamedAt: string }>;
export type ProductPriceChanged = DomainEvent<
  'ProductPriceChanged',
  { productId: string; price: string; previousPrice: string; changedAt: string }
>;
export type ProductRestocked = DomainEvent<'ProductRestocked', { productId: string; quantity: number; restockedAt: string }>;
export type ProductDiscontinued = DomainEvent<'ProductDiscontinued', { productId: string; discontinuedAt: string }>;

/** Stock held for an order (by the order saga). Available = received - reserved. */
export type StockReserved = DomainEvent<'StockReserved', { productId: string; orderId: string; quantity: number; reservedAt: string }>;
/** An order's reservation given back (rejected or cancelled order). */
export type StockReleased = DomainEvent<'StockReleased', { productId: string; orderId: string; quantity: number; releasedAt: string }>;

export type ProductEvent =
  ProductCreated | ProductRenamed | ProductPriceChanged | ProductRestocked | ProductDiscontinued | StockReserved | StockReleased;

export const PRODUCT_EVENT_TYPES: readonly ProductEvent['type'][] = [
  'ProductCreated',
  'ProductRenamed',
  'ProductPriceChanged',
  'ProductRestocked',
  'ProductDiscontinued',
  'StockReserved',
  'StockReleased',
];
