import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { GraphQLInt } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../platform/config.js';
import { dropDatabase, openOrm, type Orm } from '../../platform/database.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { salesByRegionQuery, topProductsQuery } from '../../read-service/queries/analytics-queries.js';
import { customerQuery } from '../../read-service/queries/customer-queries.js';
import { orderQuery } from '../../read-service/queries/order-queries.js';
import { productQuery } from '../../read-service/queries/product-queries.js';
import type { QueryDefinition } from '../../read-service/queries/query-definition.js';
import { projections } from '../../read-service/read-service.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { ORDER, type OrderCancelled, type OrderLineData, type OrderPlaced } from '../../schema/events/order-events.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_PRICE_CENTS, MAX_PRODUCT_STOCK, MAX_RESTOCK_QUANTITY } from '../../schema/limits.js';
import { fromCents, toCents } from '../../schema/money.js';
import { registerCustomer } from '../../write-service/commands/customer-commands.js';
import { confirmOrder, orderCommands, rejectOrder } from '../../write-service/commands/order-commands.js';
import { productCommands, releaseStock, reserveStock } from '../../write-service/commands/product-commands.js';
import { addReview } from '../../write-service/commands/review-commands.js';
import type { CommandDefinition } from '../../write-service/commands/command-definition.js';
import type { OrderState } from '../../write-service/domain/order.js';
import { availableQuantity, type ProductState } from '../../write-service/domain/product.js';
import { decideOnReservationFailure } from '../../write-service/sagas/order-saga-decisions.js';
import { testConfig, uniqueNamespace } from '../support/namespace.js';
import { InMemoryWriteSide } from '../support/write-model.js';

// Generated histories at the limits of what the write side accepts, applied through every
// projection one by one (`apply`) and set-based (`applyBatch`): nothing may fail, the rows must
// say what the events say, both ways must agree, and every value served as a GraphQL Int must
// fit in 32 bits (docs/decisions.md: validation ranges and column types are one decision).

const command = (definitions: readonly CommandDefinition[], name: string): CommandDefinition => {
  const found = definitions.find((definition) => definition.name === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
};
const createProduct = command(productCommands, 'createProduct');
const restockProduct = command(productCommands, 'restockProduct');
const changeProductPrice = command(productCommands, 'changeProductPrice');
const renameProduct = command(productCommands, 'renameProduct');
const discontinueProduct = command(productCommands, 'discontinueProduct');
const placeOrder = command(orderCommands, 'placeOrder');
const payOrder = command(orderCommands, 'payOrder');
const shipOrder = command(orderCommands, 'shipOrder');
const cancelOrder = command(orderCommands, 'cancelOrder');

const DAY_MS = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00.000Z');

// ---------- generated inputs: raw, as a client sends them, including just past each limit ----------

const MAX_PRICE = fromCents(MAX_PRICE_CENTS);
const price = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(MAX_PRICE, fromCents(MAX_PRICE_CENTS + 1n), '0.01', '19.99') },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: MAX_PRICE_CENTS }).map(fromCents) },
);
const initialStock = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(undefined, 0, 1, MAX_PRODUCT_STOCK, MAX_PRODUCT_STOCK + 1, MAX_PRODUCT_STOCK - MAX_RESTOCK_QUANTITY) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_PRODUCT_STOCK }) },
);
const restockQuantity = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(1, MAX_RESTOCK_QUANTITY, MAX_RESTOCK_QUANTITY + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_RESTOCK_QUANTITY }) },
);
const lineQuantity = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, MAX_LINE_QUANTITY, MAX_LINE_QUANTITY + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_LINE_QUANTITY }) },
);
const lineCount = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_ORDER_LINES, MAX_ORDER_LINES + 1) },
);

interface ProductSpec { price: string; initialStock: number | undefined }
type Action =
  | { kind: 'restock'; product: number; quantity: number }
  | { kind: 'reprice'; product: number; price: string }
  | { kind: 'rename'; product: number }
  | { kind: 'discontinue'; product: number }
  | { kind: 'place'; customer: number; offset: number; count: number; quantity: number; varied: number[] }
  | { kind: 'pay'; order: number; exact: boolean }
  | { kind: 'ship'; order: number }
  | { kind: 'cancel'; order: number }
  | { kind: 'review'; product: number; customer: number; rating: number }
  | { kind: 'saga' }
  | { kind: 'tick'; ms: number };

interface Scenario {
  products: ProductSpec[];
  /** One customer per region listed. */
  regions: string[];
  actions: Action[];
  /** Events per set-based batch. */
  batchSize: number;
}

const product = fc.record({ price, initialStock });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('restock' as const), product: fc.nat(), quantity: restockQuantity }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprice' as const), product: fc.nat(), price }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), product: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('discontinue' as const), product: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('place' as const), customer: fc.nat(), offset: fc.nat(), count: lineCount, quantity: lineQuantity, varied: fc.array(lineQuantity, { maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pay' as const), order: fc.nat(), exact: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ship' as const), order: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('review' as const), product: fc.nat(), customer: fc.nat(), rating: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 5, arbitrary: fc.constant({ kind: 'saga' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2 * DAY_MS }) }) },
);
const scenario: fc.Arbitrary<Scenario> = fc.record({
  products: fc.oneof(
    { weight: 4, arbitrary: fc.array(product, { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(product, { minLength: MAX_ORDER_LINES, maxLength: MAX_ORDER_LINES + 1 }) },
  ),
  regions: fc.array(fc.constantFrom('eu', 'us', 'apac'), { minLength: 1, maxLength: 3 }),
  actions: fc.array(action, { maxLength: 40 }),
  batchSize: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constant(500)),
});

// ---------- the write side, and the saga, in memory ----------

/** A history as the write side would accept it: ids of what exists, and every published event. */
interface History {
  write: InMemoryWriteSide;
  products: string[];
  customers: string[];
  orders: string[];
}

async function writeHistory(spec: Scenario): Promise<History> {
  const write = new InMemoryWriteSide(`t-${randomUUID()}`);
  const history: History = { write, products: [], customers: [], orders: [] };
  let clock = START;
  const now = () => new Date(clock += 1000).toISOString();
  const sagaQueue: EventEnvelope[] = [];
  const run = async (definition: CommandDefinition, input: Record<string, unknown>) => {
    const outcome = await write.execute(definition, input, now());
    if (outcome.accepted) sagaQueue.push(...outcome.events.filter((e) => e.type === 'OrderPlaced' || e.type === 'OrderCancelled'));
    return outcome;
  };
  const pick = <T>(list: readonly T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % list.length]);

  for (const [index, { price: p, initialStock: stock }] of spec.products.entries()) {
    const outcome = await run(createProduct, { sku: `SKU-${index}`, title: `Product ${index}`, category: 'bulk', price: p, ...(stock === undefined ? {} : { initialStock: stock }) });
    if (outcome.accepted) history.products.push(outcome.aggregateId);
  }
  for (const [index, region] of spec.regions.entries()) {
    const outcome = await run(registerCustomer, { name: `Customer ${index}`, email: `c${index}@example.com`, region });
    if (outcome.accepted) history.customers.push(outcome.aggregateId);
  }
  for (const step of spec.actions) {
    switch (step.kind) {
      case 'restock': {
        const id = pick(history.products, step.product);
        if (id) await run(restockProduct, { id, quantity: step.quantity });
        break;
      }
      case 'reprice': {
        const id = pick(history.products, step.product);
        if (id) await run(changeProductPrice, { id, price: step.price });
        break;
      }
      case 'rename': {
        const id = pick(history.products, step.product);
        if (id) await run(renameProduct, { id, title: `Renamed ${clock}` });
        break;
      }
      case 'discontinue': {
        const id = pick(history.products, step.product);
        if (id) await run(discontinueProduct, { id });
        break;
      }
      case 'place': {
        const customerId = pick(history.customers, step.customer);
        const count = Math.min(step.count, history.products.length);
        if (!customerId || count === 0) break;
        const lines = Array.from({ length: count }, (_, i) => ({
          productId: history.products[(step.offset + i) % history.products.length]!, quantity: step.varied[i] ?? step.quantity,
        }));
        const outcome = await run(placeOrder, { customerId, lines });
        if (outcome.accepted) history.orders.push(outcome.aggregateId);
        break;
      }
      case 'pay': {
        const id = pick(history.orders, step.order);
        if (!id) break;
        const order = write.state<OrderState>(ORDER, id);
        const total = order.status === 'absent' ? '1.00' : order.total;
        await run(payOrder, { id, amount: step.exact ? total : fromCents(toCents(total) + 1n) });
        break;
      }
      case 'ship': {
        const id = pick(history.orders, step.order);
        if (id) await run(shipOrder, { id });
        break;
      }
      case 'cancel': {
        const id = pick(history.orders, step.order);
        if (id) await run(cancelOrder, { id, reason: 'changed my mind' });
        break;
      }
      case 'review': {
        const productId = pick(history.products, step.product);
        const customerId = pick(history.customers, step.customer);
        if (productId && customerId) await run(addReview, { productId, customerId, rating: step.rating });
        break;
      }
      case 'saga': {
        const event = sagaQueue.shift();
        if (event) await sagaHandle(event, run);
        break;
      }
      case 'tick':
        clock += step.ms;
        break;
      default: {
        const unknown: never = step;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }
  // The saga catches up with every order event, as it does in the write-service.
  for (let event = sagaQueue.shift(); event; event = sagaQueue.shift()) await sagaHandle(event, run);
  return history;
}

type Run = (definition: CommandDefinition, input: Record<string, unknown>) => ReturnType<InMemoryWriteSide['execute']>;

/** What write-service/sagas/order-saga.ts does with an order event, step by step through the same commands. */
async function sagaHandle(event: EventEnvelope, run: Run): Promise<void> {
  const releaseAll = async (orderId: string, lines: readonly OrderLineData[]) => {
    for (const line of lines) {
      const outcome = await run(releaseStock, { id: line.productId, orderId });
      if (!outcome.accepted) throw outcome.error;
    }
  };
  if (event.type === 'OrderCancelled') {
    const { orderId, lines } = (event as EventEnvelope & OrderCancelled).data;
    return releaseAll(orderId, lines);
  }
  const { orderId, lines } = (event as EventEnvelope & OrderPlaced).data;
  for (const line of lines) {
    const reserved = await run(reserveStock, { id: line.productId, orderId, quantity: line.quantity });
    if (reserved.accepted) continue;
    const decision = decideOnReservationFailure(reserved.error, line.productId);
    if (!decision) throw reserved.error;
    const rejected = await run(rejectOrder, { id: orderId, reason: decision.reason, productId: decision.productId });
    if (!rejected.accepted && rejected.error.code !== 'INVALID_STATE') throw rejected.error;
    return releaseAll(orderId, lines);
  }
  const confirmed = await run(confirmOrder, { id: orderId });
  if (confirmed.accepted) return;
  if (confirmed.error.code !== 'INVALID_STATE') throw confirmed.error;
  return releaseAll(orderId, lines); // cancelled while its stock was being reserved
}

/** A database error without the statement (a placed order's lines make it kilobytes long). */
function brief(error: unknown): string {
  const text = String(error);
  return text.length > 300 ? `...${text.slice(-300)}` : text;
}

// ---------- the test ----------

describe('value ranges - every command the write side accepts is applied by every projection', () => {
  let config: Config;
  let orm: Orm;
  const ONE = 'ranges_one';
  const BATCH = 'ranges_batch';
  const tables = [...new Set([...projections.flatMap((p) => p.tables), 'projection_applied_versions'])];

  before(async () => {
    config = testConfig(uniqueNamespace('ranges'));
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    for (const schema of [ONE, BATCH]) {
      await sql(`create schema ${schema}`);
      for (const table of tables) await sql(`create table ${schema}.${table} (like public.${table} including all)`);
    }
  });
  after(async () => {
    await orm?.close();
    if (config) await dropDatabase(config.readDatabaseUrl);
  });

  const sql = <T>(query: string, params: unknown[] = []) => (orm.em.fork() as EntityManager).execute<T[]>(query, params);
  const inSchema = <T>(schema: string, work: (tx: EntityManager) => Promise<T>) => orm.em.fork().transactional(async (tx) => {
    await (tx as EntityManager).execute(`set local search_path to ${schema}`, [], 'run');
    return work(tx as EntityManager);
  });
  const ask = <A, R>(query: QueryDefinition<A, R>, tenant: string, args: A) => inSchema(ONE, (em) => query.handle(args, { tenant, em }));

  /** Every projection, event by event, as the runner does for small batches. */
  async function applyOneByOne(events: readonly EventEnvelope[]): Promise<void> {
    await inSchema(ONE, async (tx) => {
      for (const event of events) {
        for (const projection of projections) {
          if (!projection.eventTypes.has(event.type)) continue;
          await projection.apply(event, tx).catch((error: unknown) => {
            throw new Error(`${projection.name}.apply(${event.type} v${event.version}): ${brief(error)}`);
          });
        }
      }
    });
  }

  /** Every projection set-based, in batches of `size` events, as the runner and the rebuild do. */
  async function applyInBatches(events: readonly EventEnvelope[], size: number): Promise<void> {
    for (let start = 0; start < events.length; start += size) {
      const batch = events.slice(start, start + size);
      await inSchema(BATCH, async (tx) => {
        for (const projection of projections) {
          const run = batch.filter((event) => projection.eventTypes.has(event.type));
          if (run.length === 0) continue;
          await projection.applyBatch!(run, tx).catch((error: unknown) => {
            throw new Error(`${projection.name}.applyBatch(${run.length} events from ${run[0]!.type}): ${brief(error)}`);
          });
        }
      });
    }
  }

  async function assertSameRows(tenant: string): Promise<void> {
    for (const table of tables) {
      const one = `select * from ${ONE}.${table} where tenant = ?`;
      const batch = `select * from ${BATCH}.${table} where tenant = ?`;
      const differ = await sql(`(${one} except all ${batch}) union all (${batch} except all ${one})`, [tenant, tenant, tenant, tenant]);
      assert.deepEqual(differ, [], `${table}: apply and applyBatch differ`);
    }
  }

  /** The rows say what the events say: the write side's own fold of them, read back through the query handlers. */
  async function assertRowsMatchHistory({ write, products, customers, orders }: History): Promise<void> {
    const tenant = write.tenant;
    const int = (value: unknown, what: string) => assert.doesNotThrow(() => GraphQLInt.serialize(value), `${what} = ${String(value)} is not a GraphQL Int`);
    const events = write.published;

    for (const id of products) {
      const state = write.state<ProductState>(PRODUCT, id);
      assert.ok(state.status !== 'absent');
      const reviews = events.filter((e) => e.type === 'ReviewAdded' && (e.data as { productId: string }).productId === id).length;
      const view = await ask(productQuery, tenant, { id });
      assert.ok(view, `product ${id} is in product_view`);
      assert.deepEqual(
        [view.price, view.availableQuantity, view.discontinued, view.title, view.version, view.reviewCount],
        [state.price, availableQuantity(state), state.status === 'discontinued', state.title, write.version(PRODUCT, id), reviews],
        `product ${id}`,
      );
      int(view.availableQuantity, 'Product.availableQuantity');
      int(view.reviewCount, 'Product.reviewCount');
      int(view.version, 'Product.version');
    }

    const states = orders.map((id) => ({ id, state: write.state<OrderState>(ORDER, id) }));
    const paid = states.filter(({ state }) => state.status === 'PAID' || state.status === 'SHIPPED');
    for (const { id, state } of states) {
      assert.ok(state.status !== 'absent');
      const view = await ask(orderQuery, tenant, { id });
      assert.ok(view, `order ${id} is in order_view`);
      assert.deepEqual([view.status, view.total, view.version, view.lines.length], [state.status, state.total, write.version(ORDER, id), state.lines.length], `order ${id}`);
      int(view.version, 'Order.version');
      for (const line of view.lines) int(line.quantity, 'OrderLine.quantity');
    }

    for (const id of customers) {
      const customer = write.state<{ status: string }>(CUSTOMER, id);
      assert.equal(customer.status, 'registered');
      const placed = events.filter((e) => e.type === 'OrderPlaced' && (e.data as { customerId: string }).customerId === id).length;
      const spent = paid.filter(({ state }) => state.status !== 'absent' && state.customerId === id)
        .reduce((sum, { state }) => sum + (state.status === 'absent' ? 0n : toCents(state.total)), 0n);
      const view = await ask(customerQuery, tenant, { id });
      assert.ok(view, `customer ${id} is in customer_view`);
      assert.deepEqual([view.ordersCount, view.totalSpent], [placed, fromCents(spent)], `customer ${id}`);
      int(view.ordersCount, 'Customer.ordersCount');
      int(view.version, 'Customer.version');
    }

    // Paid orders per region and UTC day of payment; units and revenue of confirmed (and later) orders per product.
    const sales = new Map<string, { orders: number; revenue: bigint }>();
    for (const { state } of paid) {
      if (state.status === 'absent' || state.paidAt === null) continue;
      const key = `${state.region}/${state.paidAt.slice(0, 10)}`;
      const row = sales.get(key) ?? { orders: 0, revenue: 0n };
      sales.set(key, { orders: row.orders + 1, revenue: row.revenue + toCents(state.total) });
    }
    const to = new Date(Math.max(START + DAY_MS, ...events.map((e) => Date.parse(e.occurredAt)))).toISOString().slice(0, 10);
    const served = await ask(salesByRegionQuery, tenant, { from: '2026-03-01', to });
    assert.deepEqual(
      new Map(served.filter((s) => s.ordersCount !== 0 || toCents(s.revenue) !== 0n).map((s) => [`${s.region}/${s.day}`, { orders: s.ordersCount, revenue: toCents(s.revenue) }])),
      sales, 'regional sales',
    );
    for (const row of served) int(row.ordersCount, 'RegionalSales.ordersCount');

    const top = new Map<string, { units: number; revenue: bigint }>();
    for (const { state } of states) {
      if (state.status !== 'CONFIRMED' && state.status !== 'PAID' && state.status !== 'SHIPPED') continue;
      for (const line of state.lines) {
        const row = top.get(line.productId) ?? { units: 0, revenue: 0n };
        top.set(line.productId, { units: row.units + line.quantity, revenue: row.revenue + toCents(line.lineTotal) });
      }
    }
    const rows = await sql<{ product_id: string; units_sold: number | string; revenue: string }>(
      `select product_id, units_sold, revenue from ${ONE}.top_products where tenant = ? and units_sold <> 0`, [tenant]);
    assert.deepEqual(new Map(rows.map((row) => [row.product_id, { units: Number(row.units_sold), revenue: toCents(row.revenue) }])),
      new Map([...top].filter(([, row]) => row.units !== 0)), 'top products');
    const ranked = await ask(topProductsQuery, tenant, { limit: 100 });
    assert.equal(ranked.length, Math.min(100, rows.length));
    for (const row of ranked) assert.deepEqual({ units: row.unitsSold, revenue: toCents(row.revenue) }, top.get(row.productId), `top product ${row.productId}`);
    for (const row of ranked) int(row.unitsSold, 'TopProduct.unitsSold');
  }

  async function check(spec: Scenario): Promise<void> {
    const history = await writeHistory(spec);
    const events = history.write.published;
    await applyOneByOne(events);
    await applyInBatches(events, spec.batchSize);
    await assertSameRows(history.write.tenant);
    await assertRowsMatchHistory(history);
  }

  /** A thousand restocks onto 10^9 units, up to the stock cap and past it (on integer columns without the cap, that overflowed). */
  const restockedPastTheRange: Scenario = {
    products: [{ price: '1.00', initialStock: 1_000_000_000 }],
    regions: ['eu'],
    actions: Array.from({ length: 1_150 }, () => ({ kind: 'restock' as const, product: 0, quantity: MAX_RESTOCK_QUANTITY })),
    batchSize: 500,
  };
  /** The largest order there is, paid by two customers on one day, one of them cancelled after payment. */
  const largestOrders: Scenario = {
    products: Array.from({ length: MAX_ORDER_LINES }, () => ({ price: MAX_PRICE, initialStock: MAX_PRODUCT_STOCK })),
    regions: ['eu', 'eu'],
    actions: [
      { kind: 'place', customer: 0, offset: 0, count: MAX_ORDER_LINES, quantity: MAX_LINE_QUANTITY, varied: [] },
      { kind: 'place', customer: 1, offset: 0, count: MAX_ORDER_LINES, quantity: MAX_LINE_QUANTITY, varied: [] },
      { kind: 'place', customer: 0, offset: 7, count: MAX_ORDER_LINES, quantity: MAX_LINE_QUANTITY, varied: [] },
      { kind: 'saga' }, { kind: 'saga' }, { kind: 'saga' },
      { kind: 'pay', order: 0, exact: true }, { kind: 'pay', order: 1, exact: true }, { kind: 'pay', order: 2, exact: true },
      { kind: 'cancel', order: 1 }, { kind: 'ship', order: 2 },
    ],
    batchSize: 500,
  };

  it('extremes - the largest orders, paid, one cancelled after payment, one shipped', async () => {
    await check(largestOrders);
  });

  it('extremes - stock at the top of the range, restocked a thousand times', async () => {
    await check(restockedPastTheRange);
  });

  it('generated histories - apply and applyBatch take every accepted command, agree, and serve 32-bit Ints', async () => {
    await fc.assert(fc.asyncProperty(scenario, check), { numRuns: Number(process.env.RANGES_RUNS ?? 60), interruptAfterTimeLimit: 120_000 });
  });
});
