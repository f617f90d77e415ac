import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { formatVerifyReport, isClean } from '../../read-service/verify/verify-report.js';
import { gqlData } from '../support/graphql-client.js';
import { createProduct } from '../support/catalog.js';
import { placeOrder, registerCustomer } from '../support/commerce.js';
import { TestSystem } from '../support/system.js';
import { verifyNamespace } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

describe('order saga under kill -9', () => {
  let system: TestSystem;
  let db: pg.Client;
  before(async () => {
    system = await TestSystem.start('sagacrash', { REQUEST_TIMEOUT_MS: '2000' });
    db = new pg.Client({ connectionString: system.config.writeDatabaseUrl });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await system?.stop();
  });

  const scalar = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

  it('a write-service killed while orders are in flight: every order ends CONFIRMED or REJECTED, no reservation lost or doubled, verify finds no difference', async () => {
    const products = await Promise.all(
      [5, 8, 12].map((stock, i) => createProduct(system.graphqlUrl, { initialStock: stock, title: `Contested ${i}` })),
    );
    const customer = await registerCustomer(system.graphqlUrl);
    const lineSets = Array.from({ length: 60 }, (_, i) => [
      { productId: products[i % 3]!.aggregateId, quantity: 1 + (i % 2) },
      ...(i % 4 === 0 ? [{ productId: products[(i + 1) % 3]!.aggregateId, quantity: 1 }] : []),
    ]);

    // Orders go in ten at a time; the write-service is killed once about half are placed.
    const placing = (async () => {
      for (let i = 0; i < lineSets.length; i += 10) {
        await Promise.all(lineSets.slice(i, i + 10).map((lines) => placeOrder(system.graphqlUrl, customer.aggregateId, lines)));
      }
    })();
    await waitFor(async () => (await scalar("select count(*) as n from events where type = 'OrderPlaced'")) >= 25, {
      what: 'half of the orders to be placed',
    });
    await system.stopService('write', 'SIGKILL');
    await placing; // requests during the outage answer SERVICE_UNAVAILABLE
    await system.startService('write');

    const placed = await scalar("select count(*) as n from events where type = 'OrderPlaced'");
    assert.ok(placed >= 25);
    await waitFor(
      async () => (await scalar("select count(*) as n from events where type in ('OrderConfirmed', 'OrderRejected')")) === placed,
      { timeoutMs: 60_000, what: 'the saga to decide every placed order' },
    );

    // No order decided twice; no product reservation doubled; every confirmed order holds exactly its lines.
    assert.equal(
      await scalar(
        "select count(*) as n from (select stream_id from events where type in ('OrderConfirmed', 'OrderRejected') group by stream_id having count(*) > 1) d",
      ),
      0,
    );
    assert.equal(
      await scalar(
        "select count(*) as n from (select stream_id, data->>'orderId' from events where type = 'StockReserved' group by 1, 2 having count(*) > 1) d",
      ),
      0,
    );
    const held = await db.query<{ product: string; order_id: string; quantity: number }>(`
      select r.stream_id as product, r.data->>'orderId' as order_id, (r.data->>'quantity')::int as quantity
        from events r where r.type = 'StockReserved'
         and not exists (select 1 from events x where x.type = 'StockReleased' and x.stream_id = r.stream_id and x.data->>'orderId' = r.data->>'orderId')`);
    const expected = await db.query<{ product: string; order_id: string; quantity: number }>(`
      select line->>'productId' as product, o.stream_id as order_id, (line->>'quantity')::int as quantity
        from events o cross join jsonb_array_elements(o.data->'lines') line where o.type = 'OrderConfirmed'`);
    const key = (r: { product: string; order_id: string; quantity: number }) => `${r.product}/${r.order_id}/${r.quantity}`;
    assert.deepEqual(held.rows.map(key).sort(), expected.rows.map(key).sort());

    // Stock never went negative: what is held never exceeds what was received.
    for (const product of products) {
      const { product: view } = await waitFor(
        async () => {
          const data = await gqlData<{ product: { availableQuantity: number } }>(
            system.graphqlUrl,
            'query($id: ID!) { product(id: $id) { availableQuantity } }',
            { id: product.aggregateId },
          );
          const holds = held.rows.filter((r) => r.product === product.aggregateId).reduce((sum, r) => sum + r.quantity, 0);
          const received = await scalar("select (data->>'initialStock')::int as n from events where stream_id = $1 and version = 1", [
            product.aggregateId,
          ]);
          return data.product.availableQuantity === received - holds ? data : undefined;
        },
        { what: 'the read model to show what the write model holds' },
      );
      assert.ok(view.availableQuantity >= 0);
    }

    const report = await verifyNamespace(system.config);
    assert.ok(isClean(report), formatVerifyReport(report).join('\n'));
    assert.ok(report.eventsFolded > placed);

    // And verify does see a difference when a live row is wrong.
    const read = new pg.Client({ connectionString: system.config.readDatabaseUrl });
    await read.connect();
    try {
      await read.query("update order_view set status = 'SHIPPED' where id = (select id from order_view limit 1)");
    } finally {
      await read.end();
    }
    const tampered = await verifyNamespace(system.config);
    assert.deepEqual(
      tampered.differences.map((d) => [d.table, d.onlyLive.length, d.onlyExpected.length]),
      [['order_view', 1, 1]],
    );
  });
});
