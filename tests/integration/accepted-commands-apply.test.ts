import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { GraphQLInt } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../platform/config.js';
import { dropDatabase, openOrm, type Orm } from '../../platform/postgres/database.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { salesByRegionQuery, topProductsQuery } from '../../read-service/queries/analytics-queries.js';
import { customersByIdsQuery } from '../../read-service/queries/customer-queries.js';
import { orderQuery } from '../../read-service/queries/order-queries.js';
import { productsByIdsQuery } from '../../read-service/queries/product-queries.js';
import type { QueryDefinition } from '../../read-service/queries/query-definition.js';
import { readModels as projections } from '../../read-service/registry.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { ORDER } from '../../schema/events/order-events.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_PRODUCT_STOCK, MAX_RESTOCK_QUANTITY } from '../../schema/limits.js';
import { fromCents, toCents } from '../../schema/money.js';
import type { OrderState } from '../../write-service/domain/order.js';
import { availableQuantity, type ProductState } from '../../write-service/domain/product.js';
import {
  DAY_MS,
  MAX_PRICE,
  scenario,
  START,
  writeHistory,
  type Action,
  type History,
  type Scenario,
} from '../support/commerce-scenarios.js';
import { testConfig, uniqueNamespace } from '../support/namespace.js';
import { applyEvent, applySetBased } from '../../read-service/projection-engine/apply-run.js';

// Generated histories at the limits of what the write side accepts, applied through every
// projection one by one (`writeOne`) and set-based (`writeRun`): nothing may fail, the rows must
// say what the events say, both ways must agree, and every value served as a GraphQL Int must
// fit in 32 bits (docs/decisions.md: validation ranges and column types are one decision).

/** 1,000,000,000,000.00 in cents: the smallest amount numeric(14, 2), the money columns' type before migration 104, cannot hold. */
const PAST_THE_OLD_COLUMNS = 100_000_000_000_000n;

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
  const inSchema = <T>(schema: string, work: (tx: EntityManager) => Promise<T>) =>
    orm.em.fork().transactional(async (tx) => {
      await (tx as EntityManager).execute(`set local search_path to ${schema}`, [], 'run');
      return work(tx);
    });

  /** Every projection, event by event, as the runner does for small batches. */
  async function applyOneByOne(events: readonly EventEnvelope[]): Promise<void> {
    await inSchema(ONE, async (tx) => {
      for (const event of events) {
        for (const projection of projections) {
          if (!projection.eventTypes.has(event.type)) continue;
          await applyEvent(tx, projection, event).catch((error: unknown) => {
            throw new Error(`${projection.name}.writeOne(${event.type} v${event.version}): ${brief(error)}`);
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
          await applySetBased(tx, projection, run).catch((error: unknown) => {
            throw new Error(`${projection.name}.writeRun(${run.length} events from ${run[0]!.type}): ${brief(error)}`);
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
      assert.deepEqual(differ, [], `${table}: writeOne and writeRun differ`);
    }
  }

  /** The rows say what the events say: the write side's own fold of them, read back through the query handlers (in one transaction). */
  const assertRowsMatchHistory = (history: History) => inSchema(ONE, (em) => assertViews(history, em));

  async function assertViews({ write, products, customers, orders }: History, em: EntityManager): Promise<void> {
    const tenant = write.tenant;
    const ask = <A, R>(query: QueryDefinition<A, R>, args: A) => query.handle(args, { tenant, em });
    // A number (pg hands bigint columns over as strings) that graphql-js serializes as an Int (32 bits).
    const int = (value: unknown, what: string) => {
      assert.equal(typeof value, 'number', `${what} = ${String(value)} is a ${typeof value}`);
      assert.doesNotThrow(() => GraphQLInt.serialize(value), `${what} = ${String(value)} is not a GraphQL Int`);
    };
    const events = write.published;

    const productViews = await ask(productsByIdsQuery, { ids: products });
    for (const [index, id] of products.entries()) {
      const state = write.state<ProductState>(PRODUCT, id);
      assert.ok(state.status !== 'absent');
      const reviews = events.filter((e) => e.type === 'ReviewAdded' && (e.data as { productId: string }).productId === id).length;
      const view = productViews[index];
      assert.ok(view, `product ${id} is in product_view`);
      assert.deepEqual(
        [view.price, view.availableQuantity, view.discontinued, view.title, view.version, view.reviewCount],
        [state.price, availableQuantity(state), state.status === 'discontinued', state.title, write.version(PRODUCT, id), reviews],
        `product ${id}`,
      );
      int(view.availableQuantity, 'Product.availableQuantity');
      int(view.reviewCount, 'Product.reviewCount');
      int(view.version, 'Product.version');
      assert.equal(typeof view.revision, 'number', 'the revision subscribers order changes by');
    }

    const states = orders.map((id) => ({ id, state: write.state<OrderState>(ORDER, id) }));
    const paid = states.filter(({ state }) => state.status === 'PAID' || state.status === 'SHIPPED');
    for (const { id, state } of states) {
      assert.ok(state.status !== 'absent');
      const view = await ask(orderQuery, { id });
      assert.ok(view, `order ${id} is in order_view`);
      assert.deepEqual(
        [view.status, view.total, view.version, view.lines.length],
        [state.status, state.total, write.version(ORDER, id), state.lines.length],
        `order ${id}`,
      );
      int(view.version, 'Order.version');
      for (const line of view.lines) int(line.quantity, 'OrderLine.quantity');
    }

    const customerViews = await ask(customersByIdsQuery, { ids: customers });
    for (const [index, id] of customers.entries()) {
      const customer = write.state<{ status: string }>(CUSTOMER, id);
      assert.equal(customer.status, 'registered');
      const placed = events.filter((e) => e.type === 'OrderPlaced' && (e.data as { customerId: string }).customerId === id).length;
      const spent = paid
        .filter(({ state }) => state.status !== 'absent' && state.customerId === id)
        .reduce((sum, { state }) => sum + (state.status === 'absent' ? 0n : toCents(state.total)), 0n);
      const view = customerViews[index];
      assert.ok(view, `customer ${id} is in customer_view`);
      assert.deepEqual([view.ordersCount, view.totalSpent], [placed, fromCents(spent)], `customer ${id}`);
      int(view.ordersCount, 'Customer.ordersCount');
      int(view.version, 'Customer.version');
      assert.equal(typeof view.revision, 'number', 'the revision subscribers order changes by');
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
    const served = await ask(salesByRegionQuery, { from: '2026-03-01', to });
    assert.deepEqual(
      new Map(
        served
          .filter((s) => s.ordersCount !== 0 || toCents(s.revenue) !== 0n)
          .map((s) => [`${s.region}/${s.day}`, { orders: s.ordersCount, revenue: toCents(s.revenue) }]),
      ),
      sales,
      'regional sales',
    );
    for (const row of served) {
      int(row.ordersCount, 'RegionalSales.ordersCount');
      assert.equal(typeof row.version, 'number', 'the version subscribers order changes by');
    }

    const top = new Map<string, { units: number; revenue: bigint }>();
    for (const { state } of states) {
      if (state.status !== 'CONFIRMED' && state.status !== 'PAID' && state.status !== 'SHIPPED') continue;
      for (const line of state.lines) {
        const row = top.get(line.productId) ?? { units: 0, revenue: 0n };
        top.set(line.productId, { units: row.units + line.quantity, revenue: row.revenue + toCents(line.lineTotal) });
      }
    }
    const rows = await em.execute<{ product_id: string; units_sold: number; revenue: string }[]>(
      'select product_id, units_sold, revenue from top_products where tenant = ? and units_sold <> 0',
      [tenant],
    );
    assert.deepEqual(
      new Map(rows.map((row) => [row.product_id, { units: row.units_sold, revenue: toCents(row.revenue) }])),
      new Map([...top].filter(([, row]) => row.units !== 0)),
      'top products',
    );
    const ranked = await ask(topProductsQuery, { limit: 100 });
    assert.equal(ranked.length, Math.min(100, rows.length));
    for (const row of ranked)
      assert.deepEqual({ units: row.unitsSold, revenue: toCents(row.revenue) }, top.get(row.productId), `top product ${row.productId}`);
    for (const row of ranked) int(row.unitsSold, 'TopProduct.unitsSold');
  }

  /** What the generated histories held, over every run: events by type, refusals by command, code and field. */
  const seen = { events: new Map<string, number>(), refused: new Map<string, number>() };
  const tally = (into: Map<string, number>, key: string, n = 1) => into.set(key, (into.get(key) ?? 0) + n);

  async function check(spec: Scenario): Promise<void> {
    const history = await writeHistory(spec);
    const events = history.write.published;
    for (const event of events) {
      tally(seen.events, event.type);
      if (event.type === 'OrderPaid' && toCents((event.data as { amount: string }).amount) >= PAST_THE_OLD_COLUMNS)
        tally(seen.events, 'OrderPaid past numeric(14, 2)');
    }
    for (const [key, n] of Object.entries(history.write.refused)) tally(seen.refused, key, n);
    await applyOneByOne(events);
    await applyInBatches(events, spec.batchSize);
    await assertSameRows(history.write.tenant);
    await assertRowsMatchHistory(history);
  }

  /** Stock received up to the cap a thousand restocks at a time, then past it (the cap refuses; on integer columns without it, that overflowed). */
  const restockedPastTheRange: Scenario = {
    products: [{ price: '1.00', initialStock: 1_000_000_000 }],
    regions: ['eu'],
    actions: Array.from({ length: 1_150 }, () => ({ kind: 'restock' as const, product: 0, quantity: MAX_RESTOCK_QUANTITY })),
    sagaLag: 0,
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
      { kind: 'pay', order: 0, exact: true },
      { kind: 'pay', order: 1, exact: true },
      { kind: 'pay', order: 2, exact: true },
      { kind: 'cancel', order: 1 },
      { kind: 'ship', order: 2 },
    ],
    sagaLag: 0,
    batchSize: 500,
  };
  /** One customer's many orders of the largest line there is, paid over several days, every seventh cancelled after payment. */
  const manyOrders: Scenario = {
    products: [{ price: MAX_PRICE, initialStock: MAX_PRODUCT_STOCK }],
    regions: ['eu'],
    actions: Array.from({ length: 60 }, (_, i): Action[] => [
      { kind: 'place', customer: 0, offset: 0, count: 1, quantity: MAX_LINE_QUANTITY, varied: [] },
      { kind: 'pay', order: i, exact: true },
      ...(i % 7 === 3 ? [{ kind: 'cancel' as const, order: i }] : []),
      { kind: 'tick', ms: 6 * 3_600_000 },
    ]).flat(),
    sagaLag: 0,
    batchSize: 37,
  };

  it('extremes - the largest orders, paid, one cancelled after payment, one shipped', async () => {
    await check(largestOrders);
  });

  it('extremes - one customer, many paid orders of the largest line', async () => {
    await check(manyOrders);
  });

  it('extremes - a product restocked up to the stock cap, then past it', async () => {
    await check(restockedPastTheRange);
  });

  it('generated histories - apply and applyBatch take every accepted command, agree, and serve 32-bit Ints', async (t) => {
    seen.events.clear();
    seen.refused.clear();
    await fc.assert(fc.asyncProperty(scenario, check), {
      numRuns: Number(process.env.RANGES_RUNS ?? 100),
      interruptAfterTimeLimit: 120_000,
      includeErrorInReport: true,
    });
    t.diagnostic(`events: ${JSON.stringify(Object.fromEntries(seen.events))}`);
    t.diagnostic(`refused: ${JSON.stringify(Object.fromEntries(seen.refused))}`);
    // The histories went where the limits matter: a generator that only produced refusals would prove nothing.
    for (const type of [
      'ProductRestocked',
      'OrderConfirmed',
      'OrderRejected',
      'OrderPaid',
      'OrderPaid past numeric(14, 2)',
      'OrderCancelled',
      'StockReleased',
      'ReviewAdded',
    ]) {
      assert.ok((seen.events.get(type) ?? 0) > 0, `no ${type} in the generated histories`);
    }
    for (const refusal of [
      'createProduct:BAD_USER_INPUT:input.price',
      'createProduct:BAD_USER_INPUT:input.initialStock',
      'placeOrder:BAD_USER_INPUT:input.lines[0].quantity',
      'restockProduct:BAD_USER_INPUT:input.quantity',
    ]) {
      assert.ok((seen.refused.get(refusal) ?? 0) > 0, `no ${refusal} refusal in the generated histories`);
    }
  });
});
