import { salesByRegionQuery, topProductsQuery } from './queries/analytics-queries.js';
import { customerQuery, customersByIdsQuery } from './queries/customer-queries.js';
import { orderQuery, ordersQuery } from './queries/order-queries.js';
import { productQuery, productsByIdsQuery, productsQuery } from './queries/product-queries.js';
import type { QueryDefinition } from './queries/query-definition.js';
import { wishlistQuery } from './queries/wishlist-queries.js';
import { customerView } from './read-models/customer-view.js';
import { orderView } from './read-models/order-view.js';
import { productView } from './read-models/product-view.js';
import type { ReadModel } from './read-models/read-model.js';
import { regionalSales } from './read-models/regional-sales.js';
import { topProducts } from './read-models/top-products.js';
import { wishlistView } from './read-models/wishlist-view.js';

/**
 * The read models this read-service keeps: each gets a live runner, and rebuild, verify and the
 * dead-letter CLI find them here. A new read model is one line (its name in
 * schema/views/view-sources.ts, its tables in a migration, its queries in queries/).
 */
export const readModels: readonly ReadModel[] = [productView, orderView, customerView, regionalSales, topProducts, wishlistView];

export function readModelNamed(name: string): ReadModel | undefined {
  return readModels.find((model) => model.name === name);
}

/** The queries the read-service answers (`<ns>.query.<name>`), each naming the read models it reads. */
export const queries: readonly QueryDefinition[] = [
  productQuery,
  productsByIdsQuery,
  productsQuery,
  customerQuery,
  customersByIdsQuery,
  orderQuery,
  ordersQuery,
  salesByRegionQuery,
  topProductsQuery,
  wishlistQuery,
];
