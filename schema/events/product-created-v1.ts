import type { DomainEvent } from './envelope.js';
import type { ProductCreated } from './product-events.js';
import { defineUpcaster } from './upcaster.js';

/** ProductCreated as written at schema version 1, before products had a currency. Frozen: stored events have this shape. */
export type ProductCreatedV1 = DomainEvent<
  'ProductCreated',
  {
    productId: string;
    sku: string;
    title: string;
    description: string | null;
    category: string;
    price: string;
    initialStock: number;
    createdAt: string;
  }
>;

/**
 * Version 1 to 2: every price before version 2 was in US dollars, so a version 1 product was
 * created in USD. This is a fact about the events already stored, not a default: it stays 'USD'
 * whatever a product created without a currency gets from now on.
 */
export const productCreatedV1ToV2 = defineUpcaster<ProductCreatedV1, ProductCreated>('ProductCreated', 1, (data) => ({
  ...data,
  currency: 'USD',
}));
