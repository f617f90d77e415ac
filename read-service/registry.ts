import { customerView } from './read-models/customer-view.js';
import { orderView } from './read-models/order-view.js';
import { productView } from './read-models/product-view.js';
import type { ReadModel } from './read-models/read-model.js';
import { regionalSales } from './read-models/regional-sales.js';
import { topProducts } from './read-models/top-products.js';

/**
 * The read models this read-service keeps: each gets a live runner, and rebuild, verify and the
 * dead-letter CLI find them here. A new read model is one line (its name in
 * schema/views/view-sources.ts, its tables in a migration, its queries in queries/).
 */
export const readModels: readonly ReadModel[] = [productView, orderView, customerView, regionalSales, topProducts];

export function readModelNamed(name: string): ReadModel | undefined {
  return readModels.find((model) => model.name === name);
}
