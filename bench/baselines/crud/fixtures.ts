import { createFixtures } from '../../harness/fixtures.js';
import type { Fixtures } from '../../load/requests.js';

/**
 * Products, customers and orders in the CRUD baseline, created through its own mutations. It
 * answers createProduct, registerCustomer and placeOrder with the same shapes as the project, so
 * the project's fixture builder serves unchanged: the same 200 products (stock 10,000,000),
 * 50 customers and 200 orders of three lines each.
 */
export function createCrudFixtures(url: string): Promise<Fixtures> {
  return createFixtures(url);
}
