import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gql, gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { createProduct, PRODUCT_FIELDS } from '../support/catalog.js';
import { registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { signToken } from '../support/tokens.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'tenant-isolation-secret-0123456789abcdef';

describe('tenants and auth under AUTH_MODE=jwt (G8)', () => {
  let system: TestSystem;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  before(async () => {
    system = await TestSystem.start('tenants', { AUTH_MODE: 'jwt', JWT_SECRET: SECRET });
    alice = { authorization: `Bearer ${await signToken(SECRET, { sub: 'alice', tenant: 'tenant-a', roles: ['admin'] })}` };
    bob = { authorization: `Bearer ${await signToken(SECRET, { sub: 'bob', tenant: 'tenant-b', roles: ['admin'] })}` };
  });
  after(async () => {
    await system?.stop();
  });

  it('a request without a token, with a forged one or an expired one is UNAUTHENTICATED', async () => {
    const forged = `Bearer ${await signToken('another-secret-another-secret-0123456789', { sub: 'eve', tenant: 'tenant-a' })}`;
    const expired = `Bearer ${await signToken(SECRET, { sub: 'alice', tenant: 'tenant-a' }, '-1m')}`;
    const cases: Record<string, string>[] = [{}, { authorization: forged }, { authorization: expired }, { authorization: 'Basic abc' }];
    for (const headers of cases) {
      const response = await fetch(system.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ projections { name } }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(headers));
      assert.equal(response.status, 401);
    }
  });

  it('tenant B cannot read, list, change or watch tenant A products', async () => {
    const created = await createProduct(system.graphqlUrl, { category: 'isolation', title: 'Only for A' }, alice);
    const read = `query($id: ID!, $token: String) { product(id: $id, consistencyToken: $token) { ${PRODUCT_FIELDS} } }`;
    const asAlice = await gqlData<{ product: { title: string } | null }>(
      system.graphqlUrl,
      read,
      { id: created.aggregateId, token: created.consistencyToken },
      alice,
    );
    assert.equal(asAlice.product?.title, 'Only for A');

    const asBob = await gqlData<{ product: unknown }>(
      system.graphqlUrl,
      read,
      { id: created.aggregateId, token: created.consistencyToken },
      bob,
    );
    assert.equal(asBob.product, null);

    const list =
      'query($token: String) { products(filter: { category: "isolation" }, consistencyToken: $token) { totalCount edges { node { id } } } }';
    const bobList = await gqlData<{ products: { totalCount: number } }>(system.graphqlUrl, list, { token: created.consistencyToken }, bob);
    assert.equal(bobList.products.totalCount, 0);
    const aliceList = await gqlData<{ products: { totalCount: number } }>(
      system.graphqlUrl,
      list,
      { token: created.consistencyToken },
      alice,
    );
    assert.equal(aliceList.products.totalCount, 1);

    const rename = await gql(
      system.graphqlUrl,
      'mutation($input: RenameProductInput!) { renameProduct(input: $input) { version } }',
      { input: { id: created.aggregateId, title: 'Taken over' } },
      bob,
    );
    assert.equal(rename.errors?.[0]?.extensions?.code, 'NOT_FOUND');

    // Bob watches A's product id: he sees nothing, not even when Alice changes it.
    const bobClient = wsClient(system.graphqlUrl, { authorization: bob.authorization });
    const aliceClient = wsClient(system.graphqlUrl, { authorization: alice.authorization });
    const watch = 'subscription($id: ID!) { productUpdated(id: $id) { id title version } }';
    const bobWatch = new SubscriptionRecorder(bobClient, watch, { id: created.aggregateId });
    const aliceWatch = new SubscriptionRecorder(aliceClient, watch, { id: created.aggregateId });
    try {
      await waitFor(() => aliceWatch.values.length === 1, { what: "alice's current view" });
      const changed = await gqlData<{ renameProduct: { consistencyToken: string } }>(
        system.graphqlUrl,
        'mutation($input: RenameProductInput!) { renameProduct(input: $input) { consistencyToken } }',
        { input: { id: created.aggregateId, title: 'Renamed by A' } },
        alice,
      );
      await waitFor(() => aliceWatch.values.length === 2, { what: "alice's change" });
      // Bob's subscription started before Alice's change and sits on the same gateway: had it
      // been on the same topic it would have received the change by now.
      const bobAfter = await gqlData<{ product: unknown }>(
        system.graphqlUrl,
        read,
        { id: created.aggregateId, token: changed.renameProduct.consistencyToken },
        bob,
      );
      assert.equal(bobAfter.product, null);
      assert.deepEqual(bobWatch.values, []);
      assert.deepEqual(bobWatch.errors, []);
    } finally {
      bobWatch.close();
      aliceWatch.close();
      await bobClient.dispose();
      await aliceClient.dispose();
    }
  });

  it('tenant B cannot read, list, pay, review or watch tenant A customers and orders', async () => {
    const product = await createProduct(system.graphqlUrl, { initialStock: 5 }, alice);
    const customer = await registerCustomer(system.graphqlUrl, { region: 'isolated' }, alice);
    const placed = await gqlData<{ placeOrder: { aggregateId: string; consistencyToken: string } }>(
      system.graphqlUrl,
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { aggregateId consistencyToken } }',
      { input: { customerId: customer.aggregateId, lines: [{ productId: product.aggregateId, quantity: 1 }] } },
      alice,
    );
    const orderId = placed.placeOrder.aggregateId;
    const confirmed = await waitFor(
      async () => {
        const { order } = await gqlData<{ order: { status: string; total: string } | null }>(
          system.graphqlUrl,
          'query($id: ID!) { order(id: $id) { status total } }',
          { id: orderId },
          alice,
        );
        return order?.status === 'CONFIRMED' ? order : undefined;
      },
      { what: "alice's order to be confirmed" },
    );

    const client = wsClient(system.graphqlUrl, { authorization: bob.authorization });
    const bobSales = new SubscriptionRecorder(client, 'subscription { salesUpdated { region ordersCount } }');
    const bobOrder = new SubscriptionRecorder(client, 'subscription($id: ID!) { orderUpdated(id: $id) { status } }', { id: orderId });
    const bobsOwn = await createProduct(system.graphqlUrl, {}, bob);
    const bobProduct = new SubscriptionRecorder(
      client,
      'subscription($id: ID!, $t: String) { productUpdated(id: $id, consistencyToken: $t) { id } }',
      { id: bobsOwn.aggregateId, t: bobsOwn.consistencyToken },
    );
    try {
      // Subscriptions on one socket start in order: once this later one answers, the earlier ones listen.
      await waitFor(() => bobProduct.values.length === 1, { what: "bob's own product view" });
      // Bob's tenant has no such customer or order, whatever he tries.
      const reads = await gqlData<{ customer: unknown; order: unknown; orders: { totalCount: number } }>(
        system.graphqlUrl,
        'query($c: ID!, $o: ID!, $t: String) { customer(id: $c, consistencyToken: $t) { id } order(id: $o, consistencyToken: $t) { id } orders(customerId: $c, consistencyToken: $t) { totalCount } }',
        { c: customer.aggregateId, o: orderId, t: placed.placeOrder.consistencyToken },
        bob,
      );
      assert.deepEqual(reads, { customer: null, order: null, orders: { totalCount: 0 } });
      const pay = await gql(
        system.graphqlUrl,
        'mutation($input: PayOrderInput!) { payOrder(input: $input) { version } }',
        { input: { id: orderId, amount: confirmed.total } },
        bob,
      );
      assert.equal(pay.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      const order = await gql(
        system.graphqlUrl,
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { version } }',
        { input: { customerId: customer.aggregateId, lines: [{ productId: product.aggregateId, quantity: 1 }] } },
        bob,
      );
      assert.equal(order.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      const review = await gql(
        system.graphqlUrl,
        'mutation($input: AddReviewInput!) { addReview(input: $input) { version } }',
        { input: { productId: product.aggregateId, customerId: customer.aggregateId, rating: 1 } },
        bob,
      );
      assert.equal(review.errors?.[0]?.extensions?.code, 'NOT_FOUND');

      // Alice pays: her sales change; Bob, watching all his regions and her order id, sees nothing.
      const aliceClient = wsClient(system.graphqlUrl, { authorization: alice.authorization });
      const aliceSales = new SubscriptionRecorder(aliceClient, 'subscription { salesUpdated(region: "isolated") { region ordersCount } }');
      try {
        await gqlData(
          system.graphqlUrl,
          'mutation($input: PayOrderInput!) { payOrder(input: $input) { version } }',
          { input: { id: orderId, amount: confirmed.total } },
          alice,
        );
        await waitFor(() => aliceSales.values.length > 0, { what: "alice's sales notice" });
      } finally {
        aliceSales.close();
        await aliceClient.dispose();
      }
      assert.deepEqual(bobSales.values, []);
      assert.deepEqual(bobOrder.values, []);
    } finally {
      bobSales.close();
      bobOrder.close();
      bobProduct.close();
      await client.dispose();
    }
  });

  it('a WebSocket without a valid token in connection_init is refused', async () => {
    const client = wsClient(system.graphqlUrl, { authorization: 'Bearer forged.token.value' });
    const watch = new SubscriptionRecorder(client, 'subscription { productUpdated(id: "00000000-0000-4000-8000-000000000000") { id } }');
    try {
      await waitFor(() => watch.errors.length > 0, { what: 'the refusal' });
      assert.equal((watch.errors[0] as { code?: number }).code, 4403);
    } finally {
      watch.close();
      await client.dispose();
    }
  });
});
