import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from '../../gateway/index.js';
import { gql, gqlData, SubscriptionRecorder, wsClient } from '../support/graphql-client.js';
import { createProduct, type CommandResultData } from '../support/catalog.js';
import { PAY_ORDER, placeOrder, registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';
import { sealedToken } from '../support/consistency-tokens.js';

const WATCH = `subscription($id: ID!, $token: String) {
  productUpdated(id: $id, consistencyToken: $token) { id title price availableQuantity discontinued version }
}`;

interface Watched {
  productUpdated: { id: string; title: string; price: string; availableQuantity: number; discontinued: boolean; version: number };
}

describe('productUpdated over WebSocket', () => {
  let system: TestSystem;
  before(async () => {
    system = await TestSystem.start('subs');
  });
  after(async () => {
    await system?.stop();
  });

  it('emits the current view first, then every change in version order', async () => {
    const created = await createProduct(system.graphqlUrl, { title: 'Trail lantern' });
    const client = wsClient(system.graphqlUrl);
    const watch = new SubscriptionRecorder<Watched>(client, WATCH, { id: created.aggregateId, token: created.consistencyToken });
    try {
      await waitFor(() => watch.values.length >= 1, { what: 'the current view' });
      assert.equal(watch.values[0]!.productUpdated.title, 'Trail lantern');
      assert.equal(watch.values[0]!.productUpdated.version, 1);

      const mutate = (query: string, input: Record<string, unknown>) =>
        gqlData<Record<string, CommandResultData>>(system.graphqlUrl, query, { input: { id: created.aggregateId, ...input } });
      await mutate('mutation($input: RenameProductInput!) { renameProduct(input: $input) { version } }', { title: 'Storm lantern' });
      await mutate('mutation($input: ChangeProductPriceInput!) { changeProductPrice(input: $input) { version } }', { price: '19.99' });
      await mutate('mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }', { quantity: 5 });
      await mutate('mutation($input: DiscontinueProductInput!) { discontinueProduct(input: $input) { version } }', {});

      await waitFor(() => watch.values.length >= 5, { what: 'four changes' });
      assert.deepEqual(
        watch.values.map((v) => v.productUpdated.version),
        [1, 2, 3, 4, 5],
      );
      const last = watch.values[4]!.productUpdated;
      assert.deepEqual(
        { title: last.title, price: last.price, availableQuantity: last.availableQuantity, discontinued: last.discontinued },
        { title: 'Storm lantern', price: '19.99', availableQuantity: 15, discontinued: true },
      );
      assert.deepEqual(watch.errors, []);
    } finally {
      watch.close();
      await client.dispose();
    }
  });

  it('many watchers of one product share one NATS subscription and all see the change', async () => {
    const created = await createProduct(system.graphqlUrl);
    const client = wsClient(system.graphqlUrl);
    const watchers = Array.from({ length: 20 }, () => new SubscriptionRecorder<Watched>(client, WATCH, { id: created.aggregateId }));
    try {
      await waitFor(() => watchers.every((w) => w.values.length === 1), { what: 'every current view' });
      await gqlData(system.graphqlUrl, 'mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }', {
        input: { id: created.aggregateId, quantity: 1 },
      });
      await waitFor(() => watchers.every((w) => w.values.length === 2), { what: 'every watcher to see the change' });
      for (const w of watchers) assert.equal(w.values[1]!.productUpdated.availableQuantity, 11);
    } finally {
      for (const w of watchers) w.close();
      await client.dispose();
    }
  });

  it('a subscription to a product that does not exist yet emits it once it is created', async () => {
    const id = crypto.randomUUID();
    const client = wsClient(system.graphqlUrl);
    const watch = new SubscriptionRecorder<Watched>(client, WATCH, { id });
    try {
      // Whether the subscription starts before or after the creation, it must see the product.
      await createProduct(system.graphqlUrl, { id, title: 'Late arrival' });
      await waitFor(() => watch.values.length >= 1, { what: 'the created product' });
      assert.equal(watch.values[0]!.productUpdated.title, 'Late arrival');
    } finally {
      watch.close();
      await client.dispose();
    }
  });

  it('a bad id or a future token fails the subscription with a coded error', async () => {
    const client = wsClient(system.graphqlUrl);
    const bad = new SubscriptionRecorder<Watched>(client, WATCH, { id: 'not-a-uuid' });
    const future = new SubscriptionRecorder<Watched>(client, WATCH, {
      id: crypto.randomUUID(),
      token: sealedToken(system.config, 999_999_999),
    });
    try {
      await waitFor(() => bad.errors.length > 0 && future.errors.length > 0, { what: 'both errors' });
      assert.deepEqual((bad.errors[0] as { extensions?: unknown }).extensions, { code: 'BAD_USER_INPUT', field: 'id' });
      assert.equal((future.errors[0] as { extensions?: { code?: string } }).extensions?.code, 'CONSISTENCY_TIMEOUT');
    } finally {
      bad.close();
      future.close();
      await client.dispose();
    }
  });

  it('a socket holds at most MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions: one more is refused RATE_LIMITED, the others keep going', async () => {
    const created = await createProduct(system.graphqlUrl);
    const client = wsClient(system.graphqlUrl);
    const watchers = Array.from(
      { length: MAX_SUBSCRIPTIONS_PER_SOCKET },
      () => new SubscriptionRecorder<Watched>(client, WATCH, { id: created.aggregateId }),
    );
    try {
      await waitFor(() => watchers.every((w) => w.values.length === 1), { what: 'every current view' });
      const refused = new SubscriptionRecorder<Watched>(client, WATCH, { id: created.aggregateId });
      await waitFor(() => refused.errors.length > 0, { what: 'the refusal' });
      const [error] = refused.errors[0] as { message: string; extensions?: unknown }[];
      assert.deepEqual(error, {
        message: `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`,
        extensions: { code: 'RATE_LIMITED' },
      });
      await gqlData(system.graphqlUrl, 'mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }', {
        input: { id: created.aggregateId, quantity: 1 },
      });
      await waitFor(() => watchers.every((w) => w.values.length === 2), { what: 'every watcher to see the change' });
      assert.ok(watchers.every((w) => w.errors.length === 0));
    } finally {
      for (const w of watchers) w.close();
      await client.dispose();
    }
  });

  it('identical subscriptions are executed once per change, not once per subscriber', async () => {
    const product = await createProduct(system.graphqlUrl, { price: '4.00', initialStock: 10 });
    const customer = await registerCustomer(system.graphqlUrl);
    const placed = (await placeOrder(system.graphqlUrl, customer.aggregateId, [{ productId: product.aggregateId, quantity: 1 }])).data!
      .placeOrder;
    const watchQuery = 'subscription($id: ID!) { orderUpdated(id: $id) { status version customer { id name } lines { quantity } } }';
    type WatchedOrder = {
      orderUpdated: { status: string; version: number; customer: { id: string; name: string } | null; lines: { quantity: number }[] };
    };
    const sockets = [wsClient(system.graphqlUrl), wsClient(system.graphqlUrl)];
    const watchers = Array.from(
      { length: 8 },
      (_, i) => new SubscriptionRecorder<WatchedOrder>(sockets[i % 2]!, watchQuery, { id: placed.aggregateId }),
    );
    // The same fields in another order: another document, so a group of its own.
    const other = new SubscriptionRecorder<WatchedOrder>(sockets[0]!, watchQuery.replace('status version', 'version status'), {
      id: placed.aggregateId,
    });
    const nc = await connect({ servers: system.config.natsUrl });
    let customerLoads = 0;
    const spy = nc.subscribe(`${system.config.namespace}.query.customersByIds`, {
      callback: () => {
        customerLoads += 1;
      },
    });
    await nc.flush();
    try {
      await waitFor(() => [...watchers, other].every((w) => w.values.some((v) => v.orderUpdated.status === 'CONFIRMED')), {
        what: 'every watcher to see CONFIRMED',
      });
      const before = customerLoads;
      const paid = await gql(system.graphqlUrl, PAY_ORDER, { input: { id: placed.aggregateId, amount: '4.00' } });
      assert.deepEqual(paid.errors, undefined);
      await waitFor(() => [...watchers, other].every((w) => w.values.some((v) => v.orderUpdated.status === 'PAID')), {
        what: 'every watcher to see PAID',
      });
      await nc.flush();
      // Nine subscribers in two groups: the nested customer is loaded once per group.
      assert.equal(customerLoads - before, 2);
      for (const w of [...watchers, other]) {
        const last = w.values.at(-1)!.orderUpdated;
        assert.deepEqual([last.status, last.customer?.id, last.lines[0]?.quantity], ['PAID', customer.aggregateId, 1]);
        assert.deepEqual(w.errors, []);
      }
    } finally {
      spy.unsubscribe();
      await nc.close();
      for (const w of [...watchers, other]) w.close();
      await Promise.all(sockets.map(async (socket) => socket.dispose()));
    }
  });

  it('a subscription that does not parse or validate fails with a coded error, and the socket stays usable', async () => {
    const client = wsClient(system.graphqlUrl);
    const broken = new SubscriptionRecorder(client, 'subscription { productUpdated(id: ', {});
    const invalid = new SubscriptionRecorder(client, 'subscription { productUpdated(id: "x") { nosuchfield } }', {});
    const created = await createProduct(system.graphqlUrl);
    const fine = new SubscriptionRecorder<Watched>(client, WATCH, { id: created.aggregateId });
    try {
      await waitFor(() => broken.errors.length > 0 && invalid.errors.length > 0 && fine.values.length > 0, {
        what: 'both errors and the good subscription',
      });
      // An operation refused before it starts arrives as graphql-ws's `error` message: a list of errors.
      const codeOf = (error: unknown) => ((Array.isArray(error) ? error[0] : error) as { extensions?: { code?: string } }).extensions?.code;
      assert.equal(codeOf(broken.errors[0]), 'GRAPHQL_PARSE_FAILED');
      assert.equal(codeOf(invalid.errors[0]), 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(fine.values[0]!.productUpdated.id, created.aggregateId);
    } finally {
      for (const w of [broken, invalid, fine]) w.close();
      await client.dispose();
    }
  });
});
