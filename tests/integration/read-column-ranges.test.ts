import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { EntityManager } from '@mikro-orm/postgresql';
import { dropDatabase, openOrm, type Orm } from '../../platform/postgres/database.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { GRAPHQL_INT_MAX, MAX_LINE_QUANTITY, MAX_ORDER_TOTAL_CENTS, MAX_PRICE_CENTS, MAX_PRODUCT_STOCK } from '../../schema/limits.js';
import { fromCents } from '../../schema/money.js';
import { testConfig, uniqueNamespace } from '../support/namespace.js';

/** Integer digits of the largest amount. */
const digits = (cents: bigint) => String(cents / 100n).length;
/** How many orders at the largest total a sum of money columns must hold: 10^20. */
const SUMMED_ORDERS_DIGITS = 20;

/** What each read column must hold, from schema/limits.ts. */
const MONEY: [table: string, column: string, integerDigits: number][] = [
  ['product_view', 'price', digits(MAX_PRICE_CENTS)],
  ['order_view', 'total', digits(MAX_ORDER_TOTAL_CENTS)],
  ['customer_view', 'total_spent', digits(MAX_ORDER_TOTAL_CENTS) + SUMMED_ORDERS_DIGITS],
  ['regional_sales', 'revenue', digits(MAX_ORDER_TOTAL_CENTS) + SUMMED_ORDERS_DIGITS],
  ['top_products', 'revenue', digits(MAX_ORDER_TOTAL_CENTS) + SUMMED_ORDERS_DIGITS],
];
/** Bounded by the Product aggregate's cap, and served as GraphQL Ints. */
const CAPPED: [table: string, column: string, max: number][] = [
  ['product_view', 'available_quantity', MAX_PRODUCT_STOCK],
  ['top_products', 'units_sold', MAX_PRODUCT_STOCK],
];
/** Counts with no bound in the domain, and the revisions of the rows they change. */
const UNBOUNDED: [table: string, column: string][] = [
  ['customer_view', 'orders_count'],
  ['customer_view', 'revision'],
  ['regional_sales', 'orders_count'],
  ['regional_sales', 'version'],
  ['product_view', 'review_count'],
  ['product_view', 'rating_sum'],
  ['product_view', 'revision'],
];
const INTEGER_MAX: Record<string, number> = { smallint: 32_767, integer: 2_147_483_647, bigint: Number.MAX_SAFE_INTEGER };

interface ColumnType {
  table_name: string;
  column_name: string;
  data_type: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

describe('read columns - sized for the limits of schema/limits.ts', () => {
  const orms: Orm[] = [];
  const urls: string[] = [];
  after(async () => {
    for (const orm of orms) await orm.close().catch(() => undefined);
    for (const url of urls) await dropDatabase(url);
  });

  /** A read database of its own (dropped after the tests), migrated with `migrations`. */
  const newDatabase = (label: string) => {
    const url = testConfig(uniqueNamespace(label)).readDatabaseUrl;
    urls.push(url);
    return url;
  };
  async function open(url: string, migrations = readMigrations): Promise<Orm> {
    const orm = await openOrm({ url, entities: [], migrations });
    orms.push(orm);
    return orm;
  }
  const sql = <T>(orm: Orm, query: string, params: unknown[] = []) => (orm.em.fork() as EntityManager).execute<T[]>(query, params);
  const types = async (orm: Orm) =>
    new Map(
      (
        await sql<ColumnType>(
          orm,
          `select table_name, column_name, data_type, numeric_precision, numeric_scale from information_schema.columns where table_schema = 'public'`,
        )
      ).map((c) => [`${c.table_name}.${c.column_name}`, c]),
    );

  it('columns - money holds the largest price, order total and sums of 10^20 such orders; capped quantities fit their type; unbounded counts are bigint', async () => {
    const columns = await types(await open(newDatabase('columns')));
    for (const [table, column, integerDigits] of MONEY) {
      const type = columns.get(`${table}.${column}`);
      assert.equal(type?.data_type, 'numeric', `${table}.${column}`);
      assert.equal(type.numeric_scale, 2, `${table}.${column}: cents`);
      assert.ok(
        type.numeric_precision !== null && type.numeric_precision - 2 >= integerDigits,
        `${table}.${column} numeric(${type.numeric_precision}, 2) holds fewer than ${integerDigits} integer digits`,
      );
    }
    for (const [table, column, max] of CAPPED) {
      const type = columns.get(`${table}.${column}`)?.data_type ?? 'missing';
      assert.ok((INTEGER_MAX[type] ?? 0) >= max, `${table}.${column} (${type}) cannot hold ${max}`);
      assert.ok(max <= GRAPHQL_INT_MAX, `${table}.${column}: ${max} is served as a GraphQL Int`);
    }
    for (const [table, column] of UNBOUNDED) assert.equal(columns.get(`${table}.${column}`)?.data_type, 'bigint', `${table}.${column}`);
    assert.ok(MAX_LINE_QUANTITY <= GRAPHQL_INT_MAX, 'OrderLine.quantity is a GraphQL Int');
  });

  it('migration - an existing read database is widened in place, its rows kept', async () => {
    const url = newDatabase('widen');
    const before = await open(url, readMigrations.slice(0, 3)); // as deployed before migration 104
    const tenant = `t-${randomUUID()}`;
    const [product, order, customer] = [randomUUID(), randomUUID(), randomUUID()];
    const oldMaxMoney = '999999999999.99';
    const oldMaxInt = 2_147_483_647;
    await sql(
      before,
      `insert into product_view (tenant, id, sku, title, category, price, available_quantity, review_count, rating_sum, version, revision, created_at, updated_at)
      values (?, ?, 'SKU-1', 'Kettle', 'kitchen', '9999999999.99', ?, ?, ?, 3, ?, now(), now())`,
      [tenant, product, MAX_PRODUCT_STOCK, oldMaxInt, oldMaxInt, oldMaxInt],
    );
    await sql(
      before,
      `insert into order_view (tenant, id, customer_id, status, lines, total, region, placed_at, updated_at, timeline, version)
      values (?, ?, ?, 'PAID', '[]', ?, 'eu', now(), now(), '[]', 3)`,
      [tenant, order, customer, oldMaxMoney],
    );
    await sql(
      before,
      `insert into customer_view (tenant, id, name, email, region, orders_count, total_spent, version, revision, registered_at)
      values (?, ?, 'Ada', 'ada@example.com', 'eu', ?, ?, 1, ?, now())`,
      [tenant, customer, oldMaxInt, oldMaxMoney, oldMaxInt],
    );
    await sql(
      before,
      `insert into regional_sales (tenant, region, day, orders_count, revenue, version) values (?, 'eu', '2026-03-01', ?, ?, ?)`,
      [tenant, oldMaxInt, oldMaxMoney, oldMaxInt],
    );
    await sql(before, 'insert into top_products (tenant, product_id, units_sold, revenue) values (?, ?, ?, ?)', [
      tenant,
      product,
      MAX_PRODUCT_STOCK,
      oldMaxMoney,
    ]);
    const snapshot = (orm: Orm) =>
      Promise.all(
        ['product_view', 'order_view', 'customer_view', 'regional_sales', 'top_products'].map(async (table) =>
          (await sql<Record<string, unknown>>(orm, `select * from ${table} where tenant = ?`, [tenant])).map((row) =>
            Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])),
          ),
        ),
      );
    const kept = await snapshot(before);
    await before.close();

    const widened = await open(url);
    const now = await snapshot(widened);
    // Columns added since (product_view.currency: USD for rows from before ProductCreated v2) aside, every row as it was.
    assert.deepEqual(
      now.map((rows) => rows.map(({ currency: _added, ...row }) => row)),
      kept,
      'every row as it was (compared as text)',
    );
    assert.deepEqual(
      now[0]!.map((row) => row.currency),
      ['USD'],
    );
    const columns = await types(widened);
    assert.equal(columns.get('order_view.total')?.numeric_precision, 38);
    assert.equal(columns.get('customer_view.orders_count')?.data_type, 'bigint');
    // What the old columns refused now fits.
    const largest = fromCents(MAX_ORDER_TOTAL_CENTS);
    await sql(widened, 'update order_view set total = ? where tenant = ?', [largest, tenant]);
    await sql(widened, 'update customer_view set orders_count = orders_count + 1, total_spent = ?::numeric * 1e20 where tenant = ?', [
      largest,
      tenant,
    ]);
    const [row] = await sql<{ total: string; orders_count: string }>(
      widened,
      'select o.total, c.orders_count from order_view o join customer_view c using (tenant) where o.tenant = ?',
      [tenant],
    );
    assert.deepEqual(row, { total: largest, orders_count: String(oldMaxInt + 1) });
  });
});
