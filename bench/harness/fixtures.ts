import type { Fixtures } from '../load/requests.js';

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** `count` products with ample stock, ten at a time; returns their ids. */
export async function createProducts(url: string, count: number, skuPrefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        graphql<{ createProduct: { aggregateId: string } }>(
          url,
          'mutation($input: CreateProductInput!) { createProduct(input: $input) { aggregateId } }',
          {
            input: {
              sku: `${skuPrefix}-${i + j}`,
              title: `${['Enamel mug', 'Storm lantern', 'Bench chair', 'Desk lamp', 'Kettle'][(i + j) % 5]} ${i + j}`,
              description: 'A bench fixture',
              category: `bench-${(i + j) % 8}`,
              price: `${1 + ((i + j) % 90)}.50`,
              initialStock: 10_000_000,
            },
          },
        ),
      ),
    );
    ids.push(...batch.map((b) => b.createProduct.aggregateId));
  }
  return ids;
}

/** Products with ample stock, customers and placed orders for the scenarios to address. */
export async function createFixtures(url: string): Promise<Fixtures> {
  const run = Date.now().toString(36).toUpperCase();
  const productIds = await createProducts(url, 200, `FX-${run}`);
  const customerIds: string[] = [];
  const orderIds: string[] = [];
  for (let i = 0; i < 50; i += 1) {
    const { registerCustomer } = await graphql<{ registerCustomer: { aggregateId: string } }>(
      url,
      'mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { aggregateId } }',
      { input: { name: `Bench ${i}`, email: `bench-${run}-${i}@example.com`, region: ['north', 'south', 'east', 'west'][i % 4] } },
    );
    customerIds.push(registerCustomer.aggregateId);
  }
  for (let i = 0; i < 200; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        graphql<{ placeOrder: { aggregateId: string } }>(
          url,
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { aggregateId } }',
          {
            input: {
              customerId: customerIds[(i + j) % 50],
              lines: [0, 1, 2].map((l) => ({ productId: productIds[(i + j + l * 17) % 200], quantity: 1 + l })),
            },
          },
        ),
      ),
    );
    orderIds.push(...batch.map((b) => b.placeOrder.aggregateId));
  }
  return { productIds, customerIds, orderIds };
}
