import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { request } from '../../platform/messaging.js';
import { subjectsFor } from '../../platform/subjects.js';
import { AppError, ErrorCode } from '../../schema/index.js';
import { createProduct, CREATE_PRODUCT, productInput } from '../support/catalog.js';
import { ADD_REVIEW, CANCEL_ORDER, PAY_ORDER, PLACE_ORDER, REGISTER_CUSTOMER, registerCustomer, SHIP_ORDER } from '../support/commerce.js';
import { gql, gqlData, SubscriptionRecorder, wsClient, type GraphQLResponse } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { signToken } from '../support/tokens.js';
import { waitFor } from '../support/wait.js';
import { countEvents } from '../support/write-db.js';

const SECRET = 'authorization-secret-0123456789abcdef-xyz';
const TENANT = 'shop';
const ALICE = randomUUID();
const BOB = randomUUID();

const ADD_TO_WISHLIST = 'mutation($input: WishlistItemInput!) { addToWishlist(input: $input) { version } }';
const CATALOG_CHANGES: [string, (productId: string) => Record<string, unknown>][] = [
  ['mutation($input: CreateProductInput!) { createProduct(input: $input) { version } }', () => productInput()],
  ['mutation($input: RenameProductInput!) { renameProduct(input: $input) { version } }', (id) => ({ id, title: 'Hijacked' })],
  ['mutation($input: ChangeProductPriceInput!) { changeProductPrice(input: $input) { version } }', (id) => ({ id, price: '0.01' })],
  ['mutation($input: RestockProductInput!) { restockProduct(input: $input) { version } }', (id) => ({ id, quantity: 5 })],
  ['mutation($input: DiscontinueProductInput!) { discontinueProduct(input: $input) { version } }', (id) => ({ id })],
];

type Headers = Record<string, string>;

/** The first error's code, from a GraphQL answer or a graphql-ws error (a list of errors). */
function codeOf(error: unknown): unknown {
  const first = Array.isArray(error) ? error[0] : error;
  return (first as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
}

describe('authorization - roles through real HTTP, WebSocket and NATS (AUTH_MODE=jwt)', () => {
  let system: TestSystem;
  const as: Record<'admin' | 'staff' | 'alice' | 'bob' | 'nobody', Headers> = { admin: {}, staff: {}, alice: {}, bob: {}, nobody: {} };
  let productId: string;
  let aliceOrder: string;
  let aliceTotal: string;

  const url = () => system.graphqlUrl;
  const events = () => countEvents(system.config, 'tenant = $1', [TENANT]);

  /** A request refused with FORBIDDEN (naming `field`), after which the event store holds what it held. */
  async function refused(what: string, run: () => Promise<GraphQLResponse>, field?: string): Promise<void> {
    const before = await events();
    const answer = await run();
    assert.equal(answer.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${what}: ${JSON.stringify(answer.errors)}`);
    assert.equal(answer.errors?.[0]?.extensions?.field, field, `${what} names ${field}`);
    assert.equal(await events(), before, `${what} changed nothing`);
  }

  before(async () => {
    system = await TestSystem.start('roles', { AUTH_MODE: 'jwt', JWT_SECRET: SECRET });
    const bearer = async (sub: string, roles: string[]) => ({
      authorization: `Bearer ${await signToken(SECRET, { sub, tenant: TENANT, roles })}`,
    });
    as.admin = await bearer('admin-1', ['admin']);
    as.staff = await bearer('staff-1', ['staff']);
    as.alice = await bearer(ALICE, ['customer']);
    as.bob = await bearer(BOB, ['customer']);
    as.nobody = await bearer('visitor', ['user']);

    productId = (await createProduct(url(), { price: '5.00', initialStock: 20 }, as.admin)).aggregateId;
    // Customers register themselves: their token's sub is the id they register.
    await registerCustomer(url(), { id: ALICE }, as.alice);
    await registerCustomer(url(), { id: BOB }, as.bob);
    const placed = await gqlData<{ placeOrder: { aggregateId: string } }>(
      url(),
      PLACE_ORDER,
      { input: { customerId: ALICE, lines: [{ productId, quantity: 2 }] } },
      as.alice,
    );
    aliceOrder = placed.placeOrder.aggregateId;
    aliceTotal = await waitFor(
      async () => {
        const { order } = await gqlData<{ order: { status: string; total: string } | null }>(
          url(),
          'query($id: ID!) { order(id: $id) { status total } }',
          { id: aliceOrder },
          as.alice,
        );
        return order?.status === 'CONFIRMED' ? order.total : undefined;
      },
      { what: "alice's order to be confirmed" },
    );
  });
  after(async () => {
    await system?.stop();
  });

  it('a customer cannot create, rename, reprice, restock or discontinue a product; staff can', async () => {
    for (const [mutation, input] of CATALOG_CHANGES) {
      await refused(mutation, () => gql(url(), mutation, { input: input(productId) }, as.alice));
    }
    const before = await events();
    await gqlData(url(), CATALOG_CHANGES[2]![0], { input: { id: productId, price: '6.00' } }, as.staff);
    await gqlData(url(), CREATE_PRODUCT, { input: productInput() }, as.staff);
    assert.equal(await events(), before + 2);
  });

  it("a customer cannot pay or cancel another customer's order (decided by the write-service) nor ship one; the owner pays and staff ships", async () => {
    await refused('bob pays alice', () => gql(url(), PAY_ORDER, { input: { id: aliceOrder, amount: aliceTotal } }, as.bob), 'input.id');
    await refused('bob cancels alice', () => gql(url(), CANCEL_ORDER, { input: { id: aliceOrder } }, as.bob), 'input.id');
    await refused('alice ships', () => gql(url(), SHIP_ORDER, { input: { id: aliceOrder } }, as.alice));
    await refused('staff cancels', () => gql(url(), CANCEL_ORDER, { input: { id: aliceOrder } }, as.staff));
    await gqlData(url(), PAY_ORDER, { input: { id: aliceOrder, amount: aliceTotal } }, as.alice);
    await gqlData(url(), SHIP_ORDER, { input: { id: aliceOrder } }, as.staff);
  });

  it('a customer cannot register, place an order, review or keep a wishlist as someone else; as itself it can', async () => {
    await refused(
      'bob orders for alice',
      () => gql(url(), PLACE_ORDER, { input: { customerId: ALICE, lines: [{ productId, quantity: 1 }] } }, as.bob),
      'input.customerId',
    );
    await refused(
      'bob reviews as alice',
      () => gql(url(), ADD_REVIEW, { input: { productId, customerId: ALICE, rating: 1 } }, as.bob),
      'input.customerId',
    );
    await refused(
      "bob fills alice's wishlist",
      () => gql(url(), ADD_TO_WISHLIST, { input: { productId, customerId: ALICE } }, as.bob),
      'input.customerId',
    );
    const someone = { name: 'Eve', email: `eve-${randomUUID()}@example.com`, region: 'north' };
    await refused(
      'bob registers another',
      () => gql(url(), REGISTER_CUSTOMER, { input: { ...someone, id: randomUUID() } }, as.bob),
      'input.id',
    );
    await refused('bob registers a new id', () => gql(url(), REGISTER_CUSTOMER, { input: someone }, as.bob), 'input.id');
    await gqlData(url(), ADD_REVIEW, { input: { productId, customerId: BOB, rating: 5 } }, as.bob);
    await gqlData(url(), ADD_TO_WISHLIST, { input: { productId, customerId: BOB.toUpperCase() } }, as.bob);
  });

  it("a customer reads only its own record, orders and wishlist, and no tenant-wide figures; staff reads everyone's personal data", async () => {
    const read = (query: string, variables: Record<string, unknown>, headers: Headers) => () => gql(url(), query, variables, headers);
    await refused("bob reads alice's record", read('query($id: ID!) { customer(id: $id) { name } }', { id: ALICE }, as.bob), 'id');
    await refused(
      "bob lists alice's orders",
      read('query($c: ID) { orders(customerId: $c) { totalCount } }', { c: ALICE }, as.bob),
      'customerId',
    );
    await refused("bob reads alice's order", read('query($id: ID!) { order(id: $id) { status } }', { id: aliceOrder }, as.bob), 'id');
    await refused(
      "bob reads alice's wishlist",
      read('query($c: ID!) { wishlist(customerId: $c) { version } }', { c: ALICE }, as.bob),
      'customerId',
    );
    await refused('bob reads the sales', read('query { salesByRegion(from: "2020-01-01", to: "2030-01-01") { revenue } }', {}, as.bob));
    await refused('bob reads the top products', read('query { topProducts { unitsSold } }', {}, as.bob));
    await refused('bob reads the projections', read('query { projections { name } }', {}, as.bob));

    const listed = (headers: Headers) => gqlData<{ orders: { totalCount: number } }>(url(), '{ orders { totalCount } }', {}, headers);
    assert.equal((await listed(as.bob)).orders.totalCount, 0, "bob's own orders: none");
    assert.equal((await listed(as.alice)).orders.totalCount, 1, "alice's own orders");

    const personal = 'query($id: ID!) { customer(id: $id) { id email totalSpent ordersCount } }';
    for (const who of [as.alice, as.staff, as.admin]) {
      const customer = await waitFor(
        async () => (await gqlData<{ customer: { id: string; email: string } | null }>(url(), personal, { id: ALICE }, who)).customer,
        { what: "alice's record" },
      );
      assert.equal(customer.id, ALICE);
      assert.match(customer.email, /@example\.com$/);
    }
    const nested = await gqlData<{ order: { customer: { email: string } | null } }>(
      url(),
      'query($id: ID!) { order(id: $id) { customer { email totalSpent } } }',
      { id: aliceOrder },
      as.staff,
    );
    assert.match(nested.order.customer?.email ?? '', /@example\.com$/);
  });

  it('a principal without a known role reads the catalog and nothing else', async () => {
    const { products } = await gqlData<{ products: { totalCount: number } }>(url(), '{ products { totalCount } }', {}, as.nobody);
    assert.ok(products.totalCount >= 1);
    await refused('nobody creates', () => gql(url(), CREATE_PRODUCT, { input: productInput() }, as.nobody));
    await refused('nobody lists orders', () => gql(url(), '{ orders { totalCount } }', {}, as.nobody));
    await refused('nobody reads a customer', () => gql(url(), 'query($id: ID!) { customer(id: $id) { name } }', { id: ALICE }, as.nobody));
  });

  it('over WebSocket the subscriptions follow the same rules as their queries', async () => {
    const bob = wsClient(url(), { authorization: as.bob.authorization });
    const alice = wsClient(url(), { authorization: as.alice.authorization });
    const watches = {
      customer: new SubscriptionRecorder(bob, 'subscription($id: ID!) { customerUpdated(id: $id) { email } }', { id: ALICE }),
      order: new SubscriptionRecorder(bob, 'subscription($id: ID!) { orderUpdated(id: $id) { status } }', { id: aliceOrder }),
      sales: new SubscriptionRecorder(bob, 'subscription { salesUpdated { revenue } }'),
      own: new SubscriptionRecorder<{ orderUpdated: { status: string } }>(
        alice,
        'subscription($id: ID!) { orderUpdated(id: $id) { status customer { email } } }',
        { id: aliceOrder },
      ),
    };
    try {
      for (const [name, watch] of Object.entries(watches)) {
        if (name === 'own') continue;
        await waitFor(() => watch.errors.length > 0, { what: `bob's ${name} subscription to be refused` });
        assert.equal(codeOf(watch.errors[0]), 'FORBIDDEN', `${name}: ${JSON.stringify(watch.errors)}`);
        assert.deepEqual(watch.values, []);
      }
      await waitFor(() => watches.own.values.length > 0, { what: "alice's own order" });
      assert.deepEqual(watches.own.errors, []);
    } finally {
      for (const watch of Object.values(watches)) watch.close();
      await bob.dispose();
      await alice.dispose();
    }
  });

  it('the write-service decides again: a command sent straight on NATS as another customer, or without roles, is FORBIDDEN', async () => {
    const nc = await connect({ servers: system.config.natsUrl });
    const subjects = subjectsFor(system.config.namespace);
    const send = (name: string, message: Record<string, unknown>) =>
      request(
        nc,
        subjects.command(name),
        { tenant: TENANT, correlationId: randomUUID(), ...message },
        { timeoutMs: 5000, service: 'write-service' },
      );
    const forbidden = (field?: string) => (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, ErrorCode.FORBIDDEN);
      assert.equal(error.field, field);
      return true;
    };
    try {
      const before = await events();
      await assert.rejects(send('cancelOrder', { userId: BOB, roles: ['customer'], input: { id: aliceOrder } }), forbidden('input.id'));
      await assert.rejects(
        send('placeOrder', { userId: BOB, roles: ['customer'], input: { customerId: ALICE, lines: [{ productId, quantity: 1 }] } }),
        forbidden('input.customerId'),
      );
      await assert.rejects(send('changeProductPrice', { userId: 'admin-1', input: { id: productId, price: '0.01' } }), forbidden());
      await assert.rejects(
        send('changeProductPrice', { userId: ALICE, roles: ['customer'], input: { id: productId, price: '0.01' } }),
        forbidden(),
      );
      assert.equal(await events(), before);
    } finally {
      await nc.close();
    }
  });
});
