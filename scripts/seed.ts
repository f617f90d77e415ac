/**
 * `npm run seed`: fills a tenant through the public GraphQL API with a realistic shop — 200
 * products in 8 categories, 50 customers in 4 regions, 500 orders in every state the saga
 * leaves them in, and reviews. Idempotent: ids are derived from names and every mutation
 * carries an idempotency key, so a second run changes nothing (its mutations are replayed).
 *
 *   SEED_URL   (default http://127.0.0.1:$PORT/graphql, PORT 4000)
 *   SEED_TOKEN (a bearer token; without one the gateway's AUTH_MODE=dev tenant "demo" is used)
 */
import { createHash } from 'node:crypto';

const url = process.env.SEED_URL ?? `http://127.0.0.1:${process.env.PORT ?? 4000}/graphql`;
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (process.env.SEED_TOKEN) headers.authorization = `Bearer ${process.env.SEED_TOKEN}`;

const CATEGORIES = ['kitchen', 'garden', 'outdoor', 'office', 'toys', 'books', 'audio', 'lighting'];
const REGIONS = ['north', 'south', 'east', 'west'];
const NOUNS = ['mug', 'lantern', 'kettle', 'chair', 'lamp', 'notebook', 'speaker', 'tent', 'rake', 'puzzle'];
const ADJECTIVES = ['Enamel', 'Folding', 'Cast-iron', 'Bamboo', 'Solar', 'Wireless', 'Compact', 'Classic', 'Rugged', 'Vintage'];
const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Farid', 'Grace', 'Hugo', 'Iris', 'Jonas'];
const LAST = ['Ng', 'Okafor', 'Silva', 'Berg', 'Kowalski'];

/** A stable UUID (version 5 layout) from a name, so that a second run addresses the same aggregates. */
function stableId(name: string): string {
  const h = createHash('sha1').update(`cqrs-seed:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

interface Result {
  aggregateId: string;
  version: number;
  consistencyToken: string;
  replayed: boolean;
}

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length || !body.data) throw new Error(`${body.errors?.[0]?.extensions?.code}: ${body.errors?.[0]?.message}`);
  return body.data;
}

async function mutate(name: string, inputType: string, input: Record<string, unknown>): Promise<Result> {
  const data = await graphql<Record<string, Result>>(
    `mutation($input: ${inputType}!) { ${name}(input: $input) { aggregateId version consistencyToken replayed } }`,
    { input },
  );
  return data[name]!;
}

/** Runs `work` over `items` with a few requests in flight. */
async function pool<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>, width = 8): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

const stats = { created: 0, replayed: 0 };
const count = (result: Result) => {
  stats[result.replayed ? 'replayed' : 'created'] += 1;
  return result;
};

const products = Array.from({ length: 200 }, (_, i) => ({
  id: stableId(`product:${i}`),
  sku: `SEED-${String(i).padStart(4, '0')}`,
  title: `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / 10) % NOUNS.length]} ${Math.floor(i / 100) + 1}`,
  description: `A ${ADJECTIVES[i % ADJECTIVES.length]!.toLowerCase()} ${NOUNS[Math.floor(i / 10) % NOUNS.length]} for everyday use, sold in the ${CATEGORIES[i % 8]} aisle.`,
  category: CATEGORIES[i % 8]!,
  price: `${5 + ((i * 37) % 195)}.${String((i * 13) % 100).padStart(2, '0')}`,
  // Every 20th product is scarce, so that some orders are rejected OUT_OF_STOCK.
  initialStock: i % 20 === 0 ? 2 : 40 + (i % 5) * 20,
}));
const customers = Array.from({ length: 50 }, (_, i) => ({
  id: stableId(`customer:${i}`),
  name: `${FIRST[i % 10]} ${LAST[i % 5]}`,
  email: `customer${i}@seed.example`,
  region: REGIONS[i % 4]!,
}));
const orders = Array.from({ length: 500 }, (_, i) => ({
  id: stableId(`order:${i}`),
  customerId: customers[(i * 7) % 50]!.id,
  lines: Array.from({ length: 1 + (i % 3) }, (_, l) => ({ productId: products[(i * 11 + l * 67) % 200]!.id, quantity: 1 + ((i + l) % 3) })),
}));

console.log(`seeding ${url}`);
await pool(products, async (p) =>
  count(await mutate('createProduct', 'CreateProductInput', { ...p, idempotencyKey: `seed:product:${p.id}` })),
);
await pool(customers, async (c) =>
  count(await mutate('registerCustomer', 'RegisterCustomerInput', { ...c, idempotencyKey: `seed:customer:${c.id}` })),
);
const placed = await pool(orders, async (o) =>
  count(await mutate('placeOrder', 'PlaceOrderInput', { ...o, idempotencyKey: `seed:order:${o.id}` })),
);

// The saga confirms or rejects each order; wait until none is PENDING.
interface OrderState {
  status: string;
  total: string;
}
const states = await pool(orders, async (o, index) => {
  for (let attempt = 0; ; attempt += 1) {
    const { order } = await graphql<{ order: OrderState | null }>(
      'query($id: ID!, $token: String) { order(id: $id, consistencyToken: $token) { status total } }',
      { id: o.id, token: placed[index]!.consistencyToken },
    );
    if (order && order.status !== 'PENDING') return order;
    if (attempt > 200) throw new Error(`order ${o.id} is still PENDING`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

// Move confirmed orders along: some stay CONFIRMED, some are paid, shipped or cancelled.
await pool(orders, async (o, i) => {
  const state = states[i]!;
  if (state.status === 'REJECTED') return;
  const plan = i % 10;
  const key = (step: string) => `seed:order:${o.id}:${step}`;
  if (plan >= 2 && plan !== 8)
    count(await mutate('payOrder', 'PayOrderInput', { id: o.id, amount: state.total, idempotencyKey: key('pay') }));
  if (plan >= 5 && plan <= 7) count(await mutate('shipOrder', 'ShipOrderInput', { id: o.id, idempotencyKey: key('ship') }));
  if (plan === 8 || plan === 9)
    count(
      await mutate('cancelOrder', 'CancelOrderInput', { id: o.id, reason: 'customer changed their mind', idempotencyKey: key('cancel') }),
    );
});

const reviews = orders
  .filter((_, i) => i % 2 === 0)
  .map((o, i) => ({
    productId: o.lines[0]!.productId,
    customerId: o.customerId,
    rating: 1 + ((i * 7) % 5),
    comment: i % 3 === 0 ? 'Does what it says.' : null,
  }));
const uniqueReviews = [...new Map(reviews.map((r) => [`${r.productId}:${r.customerId}`, r])).values()];
await pool(uniqueReviews, async (r) =>
  count(await mutate('addReview', 'AddReviewInput', { ...r, idempotencyKey: `seed:review:${r.productId}:${r.customerId}` })),
);

const byStatus = states.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});
console.log(
  `products ${products.length}, customers ${customers.length}, orders ${orders.length} (after the saga: ${JSON.stringify(byStatus)}), reviews ${uniqueReviews.length}`,
);
console.log(`mutations: ${stats.created} executed, ${stats.replayed} replayed`);
