import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { gql, gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { createProduct, type CommandResultData } from '../support/catalog.js';
import { ADD_REVIEW, CANCEL_ORDER, PAY_ORDER, PLACE_ORDER, REGISTER_CUSTOMER, registerCustomer, SHIP_ORDER } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const ORDER_FIELDS = `id customerId status total region reason placedAt updatedAt version
  lines { productId sku title quantity unitPrice lineTotal product { id title } }
  timeline { at event detail }
  customer { id name }`;

interface OrderData {
  id: string;
  status: string;
  total: string;
  region: string;
  reason: string | null;
  version: number;
  lines: {
    productId: string;
    sku: string;
    title: string;
    quantity: number;
    unitPrice: string;
    lineTotal: string;
    product: { id: string; title: string } | null;
  }[];
  timeline: { at: string; event: string; detail: string | null }[];
  customer: { id: string; name: string } | null;
}

describe('the commerce domain over HTTP and WebSocket', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('commerce');
  });
  after(async () => {
    await system?.stop();
  });

  const url = () => system.graphqlUrl;
  const command = async (query: string, input: Record<string, unknown>) => gql<Record<string, CommandResultData>>(url(), query, { input });
  const ok = async (query: string, input: Record<string, unknown>) => {
    const result = await command(query, input);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return Object.values(result.data!)[0]!;
  };
  const order = async (id: string, token?: string) =>
    (
      await gqlData<{ order: OrderData | null }>(
        url(),
        `query($id: ID!, $token: String) { order(id: $id, consistencyToken: $token) { ${ORDER_FIELDS} } }`,
        { id, token },
      )
    ).order;
  const settled = (id: string) =>
    waitFor(
      async () => {
        const o = await order(id);
        return o && o.status !== 'PENDING' ? o : undefined;
      },
      { what: `order ${id} to leave PENDING` },
    );
  const available = async (id: string, token?: string) =>
    (
      await gqlData<{ product: { availableQuantity: number } }>(
        url(),
        'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { availableQuantity } }',
        { id, token },
      )
    ).product.availableQuantity;

  it('registerCustomer normalizes the email and customer() reads it back; bad input names the field', async () => {
    const email = `Grace.${randomUUID()}@Example.COM`;
    const created = await registerCustomer(url(), { name: 'Grace Hopper', email: ` ${email} `, region: 'West' });
    const { customer } = await gqlData<{ customer: Record<string, unknown> }>(
      url(),
      'query($id: ID!, $token: String) { customer(id: $id, consistencyToken: $token) { id name email region ordersCount totalSpent lastOrderAt version } }',
      { id: created.aggregateId, token: created.consistencyToken },
    );
    assert.deepEqual(customer, {
      id: created.aggregateId,
      name: 'Grace Hopper',
      email: email.toLowerCase(),
      region: 'west',
      ordersCount: 0,
      totalSpent: '0.00',
      lastOrderAt: null,
      version: 1,
    });
    for (const [field, input] of [
      ['input.email', { name: 'X', email: 'not-an-email', region: 'north' }],
      ['input.region', { name: 'X', email: `${randomUUID()}@x.io`, region: 'north pole' }],
      ['input.name', { name: '', email: `${randomUUID()}@x.io`, region: 'north' }],
    ] as const) {
      const result = await command(REGISTER_CUSTOMER, input);
      assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(result.errors?.[0]?.extensions?.field, field);
    }
  });

  it('an order lives PENDING -> CONFIRMED -> PAID -> SHIPPED, watched live, with exact money and a timeline', async () => {
    const mug = await createProduct(url(), { title: 'Mug', price: '12.50', initialStock: 10 });
    const tea = await createProduct(url(), { title: 'Tea', price: '3.10', initialStock: 5 });
    const customer = await registerCustomer(url(), { region: 'north' });
    const orderId = randomUUID();
    const client = wsClient(url());
    const watchOrder = new SubscriptionRecorder<{ orderUpdated: { status: string; version: number } }>(
      client,
      'subscription($id: ID!) { orderUpdated(id: $id) { status version } }',
      { id: orderId },
    );
    const watchCustomer = new SubscriptionRecorder<{ customerUpdated: { ordersCount: number; totalSpent: string } }>(
      client,
      'subscription($id: ID!, $token: String) { customerUpdated(id: $id, consistencyToken: $token) { ordersCount totalSpent } }',
      { id: customer.aggregateId, token: customer.consistencyToken },
    );
    const watchSales = new SubscriptionRecorder<{ salesUpdated: { region: string; ordersCount: number; revenue: string } }>(
      client,
      'subscription { salesUpdated(region: "north") { region day ordersCount revenue } }',
    );
    try {
      await waitFor(() => watchCustomer.values.length === 1, { what: 'the current customer view' });
      const placed = await ok(PLACE_ORDER, {
        id: orderId,
        customerId: customer.aggregateId,
        lines: [
          { productId: mug.aggregateId, quantity: 2 },
          { productId: tea.aggregateId, quantity: 1 },
        ],
      });
      assert.equal(placed.version, 1);
      await waitFor(() => watchOrder.values.some((v) => v.orderUpdated.status === 'CONFIRMED'), { what: 'CONFIRMED to be pushed' });
      // Watched before it existed: the order shows up PENDING, then CONFIRMED by the saga.
      assert.deepEqual(
        watchOrder.values.map((v) => [v.orderUpdated.status, v.orderUpdated.version]),
        [
          ['PENDING', 1],
          ['CONFIRMED', 2],
        ],
      );

      const confirmed = await order(orderId);
      assert.equal(confirmed?.total, '28.10');
      assert.deepEqual(
        confirmed?.lines.map(({ product, ...line }) => ({ ...line, product: product?.id })),
        [
          {
            productId: mug.aggregateId,
            sku: confirmed?.lines[0]?.sku,
            title: 'Mug',
            quantity: 2,
            unitPrice: '12.50',
            lineTotal: '25.00',
            product: mug.aggregateId,
          },
          {
            productId: tea.aggregateId,
            sku: confirmed?.lines[1]?.sku,
            title: 'Tea',
            quantity: 1,
            unitPrice: '3.10',
            lineTotal: '3.10',
            product: tea.aggregateId,
          },
        ],
      );
      assert.equal(confirmed?.region, 'north');
      assert.equal(confirmed?.customer?.id, customer.aggregateId);
      // The saga's reservation reaches the products view on its own projection, which may be a
      // batch behind the orders view that showed CONFIRMED (no token spans both): wait for it.
      await waitFor(async () => (await available(mug.aggregateId)) === 8, { what: 'the mug reserved in the products view' });

      const wrong = await command(PAY_ORDER, { id: orderId, amount: '28.00' });
      assert.equal(wrong.errors?.[0]?.extensions?.field, 'input.amount');
      const early = await command(SHIP_ORDER, { id: orderId });
      assert.equal(early.errors?.[0]?.extensions?.code, 'INVALID_STATE');
      assert.equal(early.errors?.[0]?.extensions?.status, 'CONFIRMED');

      await ok(PAY_ORDER, { id: orderId, amount: '28.1' });
      await waitFor(() => watchCustomer.values.some((v) => v.customerUpdated.totalSpent === '28.10'), {
        what: 'customerUpdated after payOrder',
      });
      await waitFor(() => watchSales.values.some((v) => v.salesUpdated.revenue !== '0.00'), { what: 'salesUpdated after payOrder' });
      assert.equal(watchSales.values.at(-1)?.salesUpdated.region, 'north');

      const shipped = await ok(SHIP_ORDER, { id: orderId });
      const final = await order(orderId, shipped.consistencyToken);
      assert.equal(final?.status, 'SHIPPED');
      assert.deepEqual(
        final?.timeline.map((t) => t.event),
        ['OrderPlaced', 'OrderConfirmed', 'OrderPaid', 'OrderShipped'],
      );
      const late = await command(CANCEL_ORDER, { id: orderId });
      assert.equal(late.errors?.[0]?.extensions?.code, 'INVALID_STATE');
      assert.equal(late.errors?.[0]?.extensions?.status, 'SHIPPED');
      assert.deepEqual([...watchOrder.errors, ...watchCustomer.errors, ...watchSales.errors], []);
    } finally {
      watchOrder.close();
      watchCustomer.close();
      watchSales.close();
      await client.dispose();
    }
  });

  it('an order that cannot be served is REJECTED and every partial reservation is released', async () => {
    const plenty = await createProduct(url(), { initialStock: 5 });
    const scarce = await createProduct(url(), { initialStock: 1 });
    const gone = await createProduct(url(), { initialStock: 9 });
    await ok('mutation($input: DiscontinueProductInput!) { discontinueProduct(input: $input) { version } }', { id: gone.aggregateId });
    const customer = await registerCustomer(url());

    const outOfStock = await ok(PLACE_ORDER, {
      customerId: customer.aggregateId,
      lines: [
        { productId: plenty.aggregateId, quantity: 3 },
        { productId: scarce.aggregateId, quantity: 2 },
      ],
    });
    const rejected = await settled(outOfStock.aggregateId);
    assert.equal(rejected.status, 'REJECTED');
    assert.equal(rejected.reason, 'OUT_OF_STOCK');
    await waitFor(async () => (await available(plenty.aggregateId)) === 5, { what: 'the partial reservation to be released' });

    const discontinued = await ok(PLACE_ORDER, { customerId: customer.aggregateId, lines: [{ productId: gone.aggregateId, quantity: 1 }] });
    const refused = await settled(discontinued.aggregateId);
    assert.deepEqual([refused.status, refused.reason], ['REJECTED', 'PRODUCT_DISCONTINUED']);
  });

  it('cancelOrder before shipping releases the stock; placement errors name the field', async () => {
    const product = await createProduct(url(), { initialStock: 4 });
    const customer = await registerCustomer(url());
    const placed = await ok(PLACE_ORDER, { customerId: customer.aggregateId, lines: [{ productId: product.aggregateId, quantity: 3 }] });
    assert.equal((await settled(placed.aggregateId)).status, 'CONFIRMED');
    const cancelled = await ok(CANCEL_ORDER, { id: placed.aggregateId, reason: 'too slow' });
    const view = await order(placed.aggregateId, cancelled.consistencyToken);
    assert.deepEqual([view?.status, view?.reason], ['CANCELLED', 'too slow']);
    await waitFor(async () => (await available(product.aggregateId)) === 4, { what: 'the stock to come back' });

    const line = { productId: product.aggregateId, quantity: 1 };
    for (const [code, field, input] of [
      ['NOT_FOUND', 'input.customerId', { customerId: randomUUID(), lines: [line] }],
      [
        'NOT_FOUND',
        'input.lines[1].productId',
        { customerId: customer.aggregateId, lines: [line, { productId: randomUUID(), quantity: 1 }] },
      ],
      ['BAD_USER_INPUT', 'input.lines', { customerId: customer.aggregateId, lines: [] }],
      ['BAD_USER_INPUT', 'input.lines[0].quantity', { customerId: customer.aggregateId, lines: [{ ...line, quantity: 0 }] }],
      [
        'BAD_USER_INPUT',
        'input.lines',
        { customerId: customer.aggregateId, lines: Array.from({ length: 101 }, () => ({ productId: randomUUID(), quantity: 1 })) },
      ],
    ] as const) {
      const result = await command(PLACE_ORDER, input);
      assert.equal(result.errors?.[0]?.extensions?.code, code, field);
      assert.equal(result.errors?.[0]?.extensions?.field, field);
    }
  });

  it('addReview: rating and comment checked, one review per customer and product, the product view shows the average', async () => {
    const product = await createProduct(url());
    const [ann, bob] = await Promise.all([registerCustomer(url()), registerCustomer(url())]);
    for (const [code, field, input] of [
      ['BAD_USER_INPUT', 'input.rating', { productId: product.aggregateId, customerId: ann.aggregateId, rating: 6 }],
      [
        'BAD_USER_INPUT',
        'input.comment',
        { productId: product.aggregateId, customerId: ann.aggregateId, rating: 4, comment: 'x'.repeat(2001) },
      ],
      ['NOT_FOUND', 'input.customerId', { productId: product.aggregateId, customerId: randomUUID(), rating: 4 }],
      ['NOT_FOUND', 'input.productId', { productId: randomUUID(), customerId: ann.aggregateId, rating: 4 }],
    ] as const) {
      const result = await command(ADD_REVIEW, input);
      assert.equal(result.errors?.[0]?.extensions?.code, code, field);
      assert.equal(result.errors?.[0]?.extensions?.field, field);
    }
    await ok(ADD_REVIEW, { productId: product.aggregateId, customerId: ann.aggregateId, rating: 5, comment: 'Lovely' });
    const second = await ok(ADD_REVIEW, { productId: product.aggregateId, customerId: bob.aggregateId, rating: 2 });
    const twice = await command(ADD_REVIEW, { productId: product.aggregateId, customerId: ann.aggregateId, rating: 1 });
    assert.equal(twice.errors?.[0]?.extensions?.code, 'CONFLICT');
    const { product: view } = await gqlData<{ product: { averageRating: number; reviewCount: number } }>(
      url(),
      'query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { averageRating reviewCount } }',
      { id: product.aggregateId, token: second.consistencyToken },
    );
    assert.deepEqual(view, { averageRating: 3.5, reviewCount: 2 });
  });

  it('orders, salesByRegion and topProducts answer from their read models; a page of orders costs one customer request and at most one product request', async () => {
    const products = await Promise.all([1, 2, 3].map((i) => createProduct(url(), { price: `${i}.00`, initialStock: 100 })));
    const customer = await registerCustomer(url(), { region: 'south' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const placed = await ok(PLACE_ORDER, {
        customerId: customer.aggregateId,
        lines: products.map((p, j) => ({ productId: p.aggregateId, quantity: 1 + ((i + j) % 2) })),
      });
      ids.push(placed.aggregateId);
      const o = await settled(placed.aggregateId);
      await ok(PAY_ORDER, { id: placed.aggregateId, amount: o.total });
    }
    const twice = await command(PAY_ORDER, { id: ids[0]!, amount: '1.00' });
    assert.equal(twice.errors?.[0]?.extensions?.code, 'INVALID_STATE', 'paying twice is refused');

    const nc = await connect({ servers: system.config.natsUrl });
    const counts = { customersByIds: 0, productsByIds: 0 };
    const spies = (['customersByIds', 'productsByIds'] as const).map((name) =>
      nc.subscribe(`${system.config.namespace}.query.${name}`, {
        callback: () => {
          counts[name] += 1;
        },
      }),
    );
    await nc.flush();
    try {
      const page1 = await gqlData<{
        orders: { totalCount: number; edges: { cursor: string; node: OrderData }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      }>(
        url(),
        `query($c: ID!) { orders(customerId: $c, status: PAID, first: 4) { totalCount edges { cursor node { ${ORDER_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
        { c: customer.aggregateId },
      );
      await nc.flush();
      assert.equal(counts.customersByIds, 1);
      // Products were read before: the gateway's view cache may answer them without any request.
      assert.ok(counts.productsByIds <= 1, `${counts.productsByIds} product requests`);
      assert.equal(page1.orders.totalCount, 6);
      assert.equal(page1.orders.edges.length, 4);
      assert.ok(
        page1.orders.edges.every(
          (e) => e.node.customer?.id === customer.aggregateId && e.node.lines.every((l) => l.product?.id === l.productId),
        ),
      );
      const page2 = await gqlData<{ orders: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean } } }>(
        url(),
        'query($c: ID!, $after: String) { orders(customerId: $c, status: PAID, first: 4, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }',
        { c: customer.aggregateId, after: page1.orders.pageInfo.endCursor },
      );
      assert.equal(page2.orders.edges.length, 2);
      assert.equal(page2.orders.pageInfo.hasNextPage, false);
      assert.deepEqual(new Set([...page1.orders.edges.map((e) => e.node.id), ...page2.orders.edges.map((e) => e.node.id)]), new Set(ids));
    } finally {
      for (const spy of spies) spy.unsubscribe();
      await nc.close();
    }

    const today = new Date().toISOString().slice(0, 10);
    const { salesByRegion } = await gqlData<{ salesByRegion: { region: string; day: string; ordersCount: number; revenue: string }[] }>(
      url(),
      'query($d: Date!) { salesByRegion(from: $d, to: $d, region: "south") { region day ordersCount revenue } }',
      { d: today },
    );
    assert.equal(salesByRegion.length, 1);
    assert.equal(salesByRegion[0]!.ordersCount >= 6, true);
    const badRange = await gql(url(), 'query { salesByRegion(from: "2026-02-01", to: "2026-01-01") { day } }');
    assert.equal(badRange.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    const { topProducts } = await gqlData<{
      topProducts: { productId: string; unitsSold: number; revenue: string; product: { id: string } | null }[];
    }>(url(), 'query { topProducts(limit: 100) { productId unitsSold revenue product { id } } }');
    const ours = topProducts.filter((t) => products.some((p) => p.aggregateId === t.productId));
    assert.equal(ours.length, 3);
    for (const top of ours) assert.equal(top.product?.id, top.productId);
    assert.equal(
      ours.reduce((n, t) => n + t.unitsSold, 0),
      27,
    );
  });
});
