import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import { customerView } from '../../read-service/read-models/customer-view.js';
import { orderView } from '../../read-service/read-models/order-view.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { regionalSales } from '../../read-service/read-models/regional-sales.js';
import { topProducts } from '../../read-service/read-models/top-products.js';
import { salesByRegionQuery, topProductsQuery } from '../../read-service/queries/analytics-queries.js';
import { customerQuery, customersByIdsQuery } from '../../read-service/queries/customer-queries.js';
import { orderQuery, ordersQuery } from '../../read-service/queries/order-queries.js';
import { productQuery } from '../../read-service/queries/product-queries.js';
import type { QueryDefinition } from '../../read-service/queries/query-definition.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { Connection } from '../../schema/queries/query-message.js';
import type { OrderView } from '../../schema/views/commerce-views.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { badInput } from '../support/assertions.js';
import { customerRegistered, line, orderStory, review, stock } from '../support/commerce-events.js';
import { created, productEnvelope, publishEvents } from '../support/events.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const PROJECTIONS = [productView, orderView, customerView, regionalSales, topProducts];

describe('commerce projections', () => {
  let config: Config;
  let subjects: Subjects;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let runners: { stop(): Promise<void> }[] = [];
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');

  before(async () => {
    config = testConfig(uniqueNamespace('commerce'));
    subjects = subjectsFor(config.namespace);
    nc = await connect({ servers: config.natsUrl });
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    runners = PROJECTIONS.map((projection) =>
      startProjectionRunner({ model: projection, orm, databaseUrl: config.readDatabaseUrl, nc, js, jsm, subjects, logger }),
    );
  });
  after(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await orm?.close();
    await nc?.close();
    if (config) await cleanupNamespace(config);
  });

  const em = () => orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().execute<T[]>(query, params);
  const ask = <A, R>(query: QueryDefinition<A, R>, tenant: string, args: A) => query.handle(args, { tenant, em: em() });

  /** Publishes as the relay does and waits until every projection has applied (or skipped) them. */
  async function publish(events: EventEnvelope[], msgId?: (e: EventEnvelope) => string): Promise<number> {
    const last = await publishEvents(js, subjects, events, msgId);
    await waitFor(
      async () => {
        const rows = await sql<{ position: string }>('select position from projection_checkpoints where projection in (?)', [
          PROJECTIONS.map((p) => p.name),
        ]);
        return rows.length === PROJECTIONS.length && rows.every((row) => Number(row.position) >= last);
      },
      { timeoutMs: 15_000, what: `every projection to reach ${last}` },
    );
    return last;
  }

  function listen(subject: string): { changes: ViewChange[]; sub: Subscription } {
    const changes: ViewChange[] = [];
    const sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (!error) changes.push(msg.json<ViewChange>());
      },
    });
    return { changes, sub };
  }

  it('order view - placed, confirmed, paid, shipped; placed, rejected; confirmed, cancelled', async () => {
    const tenant = `t-${randomUUID()}`;
    const customer = customerRegistered(tenant);
    const productId = randomUUID();
    const lines = [line(productId, 2, '10.50', '21.00'), line(randomUUID(), 1, '21.00', '21.00')];
    const shipped = orderStory(tenant, customer.id, 'eu', lines, '42.00');
    const rejected = orderStory(tenant, customer.id, 'eu', lines, '42.00');
    const cancelled = orderStory(tenant, customer.id, 'eu', lines, '42.00');
    const notices = listen(subjects.view(tenant, 'order', shipped.orderId));
    try {
      await publish([
        customer.event,
        shipped.placed('2026-03-01T10:00:00.000Z'),
        shipped.confirmed('2026-03-01T10:00:01.000Z'),
        shipped.paid('2026-03-01T11:00:00.000Z'),
        shipped.shipped('2026-03-02T08:00:00.000Z'),
        rejected.placed('2026-03-01T12:00:00.000Z'),
        rejected.rejected('2026-03-01T12:00:01.000Z', productId),
        cancelled.placed('2026-03-01T13:00:00.000Z'),
        cancelled.confirmed('2026-03-01T13:00:01.000Z'),
        cancelled.cancelled('2026-03-01T14:00:00.000Z', 'CONFIRMED', null, 'changed my mind'),
      ]);

      const order = await ask(orderQuery, tenant, { id: shipped.orderId });
      assert.deepEqual(order, {
        id: shipped.orderId,
        customerId: customer.id,
        status: 'SHIPPED',
        lines,
        total: '42.00',
        region: 'eu',
        reason: null,
        placedAt: '2026-03-01T10:00:00.000Z',
        updatedAt: '2026-03-02T08:00:00.000Z',
        version: 4,
        timeline: [
          { at: '2026-03-01T10:00:00.000Z', event: 'OrderPlaced', detail: 'total: 42.00' },
          { at: '2026-03-01T10:00:01.000Z', event: 'OrderConfirmed', detail: 'stock reserved' },
          { at: '2026-03-01T11:00:00.000Z', event: 'OrderPaid', detail: 'amount: 42.00' },
          { at: '2026-03-02T08:00:00.000Z', event: 'OrderShipped', detail: null },
        ],
      });
      // One notice per batch that changed the order, as the row stood after it: a backlog applied
      // in one set-based batch is one notice, events applied in turn are one each.
      await waitFor(() => notices.changes.some((c) => c.version === 4), { what: 'the shipped order notice' });
      const statuses = ['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED'];
      const seen = notices.changes.map((c) => [c.view, c.key, c.version, (c.data as { status: string }).status]);
      assert.deepEqual(
        seen,
        seen.map(([, , version]) => ['order', shipped.orderId, version, statuses[(version as number) - 1]]),
      );
      assert.deepEqual(
        seen.map(([, , version]) => version),
        [...new Set(seen.map(([, , version]) => version as number))].sort((a, b) => a - b),
        'in version order, each once',
      );
      assert.deepEqual(seen.at(-1), ['order', shipped.orderId, 4, 'SHIPPED']);

      const rejectedView = await ask(orderQuery, tenant, { id: rejected.orderId });
      assert.equal(rejectedView?.status, 'REJECTED');
      assert.equal(rejectedView?.reason, 'OUT_OF_STOCK');
      assert.deepEqual(
        rejectedView?.timeline.map((t) => [t.event, t.detail]),
        [
          ['OrderPlaced', 'total: 42.00'],
          ['OrderRejected', `reason: OUT_OF_STOCK, product: ${productId}`],
        ],
      );

      const cancelledView = await ask(orderQuery, tenant, { id: cancelled.orderId });
      assert.equal(cancelledView?.status, 'CANCELLED');
      assert.equal(cancelledView?.reason, 'changed my mind');
      assert.deepEqual(
        cancelledView?.timeline.map((t) => t.event),
        ['OrderPlaced', 'OrderConfirmed', 'OrderCancelled'],
      );
      assert.equal(cancelledView?.timeline.at(-1)?.detail, 'reason: changed my mind, was: CONFIRMED');

      assert.equal(await ask(orderQuery, tenant, { id: randomUUID() }), null);
      assert.equal(await ask(orderQuery, 'another-tenant', { id: shipped.orderId }), null);
    } finally {
      notices.sub.unsubscribe();
    }
  });

  it('orders query - by customer and status, newest first, keyset pages, totalCount', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = customerRegistered(tenant);
    const bob = customerRegistered(tenant, 'us', 'Bob');
    const lines = [line(randomUUID(), 1, '5.00', '5.00')];
    // Five orders of Ada, two of them at the same instant (the id breaks the tie), one of Bob.
    const times = [
      '2026-03-01T10:00:00.000Z',
      '2026-03-01T11:00:00.000Z',
      '2026-03-01T11:00:00.000Z',
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T13:00:00.000Z',
    ];
    const adas = times.map(() => orderStory(tenant, ada.id, 'eu', lines, '5.00'));
    const bobs = orderStory(tenant, bob.id, 'us', lines, '5.00');
    await publish([
      ada.event,
      bob.event,
      ...adas.map((o, i) => o.placed(times[i]!)),
      bobs.placed('2026-03-01T12:30:00.000Z'),
      adas[0]!.confirmed('2026-03-01T14:00:00.000Z'),
      adas[3]!.confirmed('2026-03-01T14:00:00.000Z'),
      bobs.confirmed('2026-03-01T14:00:00.000Z'),
    ]);

    const pages: string[][] = [];
    let after: string | null = null;
    for (;;) {
      const page: Connection<OrderView> = await ask(ordersQuery, tenant, { customerId: ada.id, first: 2, after });
      assert.equal(page.totalCount, 5);
      pages.push(page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const tied = [adas[1]!.orderId, adas[2]!.orderId].sort().reverse();
    assert.deepEqual(pages, [[adas[4]!.orderId, adas[3]!.orderId], tied, [adas[0]!.orderId]]);

    const confirmed = await ask(ordersQuery, tenant, { status: 'CONFIRMED' });
    assert.equal(confirmed.totalCount, 3);
    assert.deepEqual(
      confirmed.edges.map((e) => e.node.id),
      [bobs.orderId, adas[3]!.orderId, adas[0]!.orderId],
    );
    const adaConfirmed = await ask(ordersQuery, tenant, { customerId: ada.id, status: 'CONFIRMED', first: 1 });
    assert.deepEqual(
      [adaConfirmed.totalCount, adaConfirmed.edges.map((e) => e.node.id), adaConfirmed.pageInfo.hasNextPage],
      [2, [adas[3]!.orderId], true],
    );
    const all = await ask(ordersQuery, tenant, {});
    assert.equal(all.totalCount, 6);
    assert.equal(all.edges.length, 6);
    assert.equal(all.pageInfo.hasNextPage, false);
    const none = await ask(ordersQuery, tenant, { status: 'SHIPPED' });
    assert.deepEqual(none, { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
  });

  it('customer view - orders count, last order and total spent net of a paid-then-cancelled order', async () => {
    const tenant = `t-${randomUUID()}`;
    const customer = customerRegistered(tenant, 'eu', 'Ada');
    const lines = [line(randomUUID(), 3, '10.10', '30.30')];
    const first = orderStory(tenant, customer.id, 'eu', lines, '30.30');
    const second = orderStory(tenant, customer.id, 'eu', [line(randomUUID(), 1, '0.10', '0.10')], '0.10');
    const third = orderStory(tenant, customer.id, 'eu', [line(randomUUID(), 1, '0.20', '0.20')], '0.20');
    const notices = listen(subjects.view(tenant, 'customer', customer.id));
    try {
      await publish([
        customer.event,
        first.placed('2026-03-01T10:00:00.000Z'),
        first.confirmed('2026-03-01T10:00:01.000Z'),
        first.paid('2026-03-01T11:00:00.000Z'),
        second.placed('2026-03-03T10:00:00.000Z'),
        second.confirmed('2026-03-03T10:00:01.000Z'),
        second.paid('2026-03-03T11:00:00.000Z'),
        third.placed('2026-03-02T10:00:00.000Z'),
        third.confirmed('2026-03-02T10:00:01.000Z'),
        third.paid('2026-03-02T11:00:00.000Z'),
        first.cancelled('2026-03-04T10:00:00.000Z', 'PAID', '2026-03-01T11:00:00.000Z'),
      ]);
      const view = await ask(customerQuery, tenant, { id: customer.id });
      assert.deepEqual(view, {
        id: customer.id,
        name: 'Ada',
        email: `${customer.id}@example.com`,
        region: 'eu',
        ordersCount: 3,
        totalSpent: '0.30',
        lastOrderAt: '2026-03-03T10:00:00.000Z',
        version: 1,
        revision: 1 + 3 + 3 + 1,
      });
      // Every change is announced with a higher version (the row's revision), also those that
      // leave the Customer aggregate's version alone.
      // One notice per batch that changed the row (eight events, so the runner may take them as
      // one set-based batch), each as the row stood at that revision, the last at revision 8.
      await waitFor(() => notices.changes.some((c) => c.version === 8), { what: 'the eighth revision announced' });
      const spent = ['0.00', '0.00', '30.30', '30.30', '30.40', '30.40', '30.60', '0.30'];
      const seen = notices.changes.map((c) => [
        c.version,
        (c.data as { version: number }).version,
        (c.data as { totalSpent: string }).totalSpent,
      ]);
      assert.deepEqual(
        seen,
        seen.map(([revision]) => [revision, 1, spent[(revision as number) - 1]]),
      );
      assert.deepEqual(
        seen.map(([revision]) => revision),
        [...new Set(seen.map(([revision]) => revision as number))].sort((a, b) => a - b),
        'in revision order, each once',
      );
      assert.deepEqual(seen.at(-1), [8, 1, '0.30']);

      const unknown = randomUUID();
      const batch = await ask(customersByIdsQuery, tenant, { ids: [unknown, customer.id, customer.id] });
      assert.deepEqual(
        batch.map((c) => c?.id ?? null),
        [null, customer.id, customer.id],
      );
      assert.equal(await ask(customerQuery, 'another-tenant', { id: customer.id }), null);
    } finally {
      notices.sub.unsubscribe();
    }
  });

  it('regional sales - paid orders by UTC day and region, a cancellation taken back from the day it was paid', async () => {
    const tenant = `t-${randomUUID()}`;
    const eu = customerRegistered(tenant, 'eu');
    const us = customerRegistered(tenant, 'us');
    const lines = [line(randomUUID(), 1, '19.99', '19.99')];
    const a = orderStory(tenant, eu.id, 'eu', lines, '19.99');
    const b = orderStory(tenant, eu.id, 'eu', [line(randomUUID(), 2, '0.01', '0.02')], '0.02');
    const c = orderStory(tenant, eu.id, 'eu', lines, '19.99');
    const d = orderStory(tenant, us.id, 'us', [line(randomUUID(), 1, '100.00', '100.00')], '100.00');
    const e = orderStory(tenant, eu.id, 'eu', lines, '19.99'); // cancelled before payment: no sales at all
    const notices = listen(subjects.view(tenant, 'sales', 'eu'));
    try {
      await publish([
        eu.event,
        us.event,
        a.placed('2026-03-01T10:00:00.000Z'),
        a.confirmed('2026-03-01T10:00:01.000Z'),
        a.paid('2026-03-01T23:59:59.999Z'),
        b.placed('2026-03-01T10:00:00.000Z'),
        b.confirmed('2026-03-01T10:00:01.000Z'),
        b.paid('2026-03-01T00:00:00.000Z'),
        c.placed('2026-03-01T10:00:00.000Z'),
        c.confirmed('2026-03-01T10:00:01.000Z'),
        c.paid('2026-03-02T00:00:00.000Z'),
        d.placed('2026-03-01T10:00:00.000Z'),
        d.confirmed('2026-03-01T10:00:01.000Z'),
        d.paid('2026-03-01T12:00:00.000Z'),
        e.placed('2026-03-01T10:00:00.000Z'),
        e.confirmed('2026-03-01T10:00:01.000Z'),
        e.cancelled('2026-03-02T09:00:00.000Z', 'CONFIRMED', null),
        a.cancelled('2026-03-02T09:00:00.000Z', 'PAID', '2026-03-01T23:59:59.999Z', 'refund'),
      ]);
      const all = await ask(salesByRegionQuery, tenant, { from: '2026-02-28', to: '2026-03-31' });
      assert.deepEqual(all, [
        { region: 'eu', day: '2026-03-01', ordersCount: 1, revenue: '0.02', version: 3 },
        { region: 'us', day: '2026-03-01', ordersCount: 1, revenue: '100.00', version: 1 },
        { region: 'eu', day: '2026-03-02', ordersCount: 1, revenue: '19.99', version: 1 },
      ]);
      assert.deepEqual(
        (await ask(salesByRegionQuery, tenant, { from: '2026-03-02', to: '2026-03-02' })).map((s) => s.region),
        ['eu'],
      );
      assert.deepEqual(
        (await ask(salesByRegionQuery, tenant, { from: '2026-03-01', to: '2026-03-02', region: 'US' })).map((s) => s.revenue),
        ['100.00'],
      );
      assert.deepEqual(await ask(salesByRegionQuery, tenant, { from: '2026-04-01', to: '2026-04-30' }), []);

      await waitFor(() => notices.changes.length === 4, { what: 'four EU sales notices' });
      assert.deepEqual(
        notices.changes.map((n) => [n.key, (n.data as { day: string }).day, n.version]),
        [
          ['eu', '2026-03-01', 1],
          ['eu', '2026-03-01', 2],
          ['eu', '2026-03-02', 1],
          ['eu', '2026-03-01', 3],
        ],
      );
    } finally {
      notices.sub.unsubscribe();
    }
  });

  it('top products - units and revenue of confirmed orders, net of cancellations', async () => {
    const tenant = `t-${randomUUID()}`;
    const customer = customerRegistered(tenant);
    const [p1, p2, p3, p4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    // p1 appears twice in one order: both lines count.
    const a = orderStory(
      tenant,
      customer.id,
      'eu',
      [line(p1, 2, '1.10', '2.20'), line(p2, 1, '5.00', '5.00'), line(p1, 1, '1.10', '1.10')],
      '8.30',
    );
    const b = orderStory(tenant, customer.id, 'eu', [line(p2, 3, '5.00', '15.00')], '15.00');
    const c = orderStory(tenant, customer.id, 'eu', [line(p3, 4, '0.50', '2.00')], '2.00'); // paid then cancelled
    const d = orderStory(tenant, customer.id, 'eu', [line(p2, 1, '5.00', '5.00')], '5.00'); // confirmed then cancelled
    const e = orderStory(tenant, customer.id, 'eu', [line(p4, 9, '1.00', '9.00')], '9.00'); // pending then cancelled
    const f = orderStory(tenant, customer.id, 'eu', [line(p3, 9, '1.00', '9.00')], '9.00'); // rejected
    const g = orderStory(tenant, customer.id, 'eu', [line(p4, 3, '1.00', '3.00')], '3.00');
    await publish([
      customer.event,
      a.placed('2026-03-01T10:00:00.000Z'),
      a.confirmed('2026-03-01T10:00:01.000Z'),
      b.placed('2026-03-01T10:00:00.000Z'),
      b.confirmed('2026-03-01T10:00:01.000Z'),
      b.paid('2026-03-01T11:00:00.000Z'),
      b.shipped('2026-03-02T11:00:00.000Z'),
      c.placed('2026-03-01T10:00:00.000Z'),
      c.confirmed('2026-03-01T10:00:01.000Z'),
      c.paid('2026-03-01T11:00:00.000Z'),
      c.cancelled('2026-03-01T12:00:00.000Z', 'PAID', '2026-03-01T11:00:00.000Z'),
      d.placed('2026-03-01T10:00:00.000Z'),
      d.confirmed('2026-03-01T10:00:01.000Z'),
      d.cancelled('2026-03-01T12:00:00.000Z', 'CONFIRMED', null),
      e.placed('2026-03-01T10:00:00.000Z'),
      e.cancelled('2026-03-01T12:00:00.000Z', 'PENDING', null),
      f.placed('2026-03-01T10:00:00.000Z'),
      f.rejected('2026-03-01T10:00:01.000Z', p3),
      g.placed('2026-03-01T10:00:00.000Z'),
      g.confirmed('2026-03-01T10:00:01.000Z'),
    ]);
    assert.deepEqual(await ask(topProductsQuery, tenant, {}), [
      { productId: p2, unitsSold: 4, revenue: '20.00' },
      { productId: p1, unitsSold: 3, revenue: '3.30' },
      { productId: p4, unitsSold: 3, revenue: '3.00' },
    ]);
    assert.deepEqual(
      (await ask(topProductsQuery, tenant, { limit: 1 })).map((t) => t.productId),
      [p2],
    );
    const p3Row = await sql<{ units_sold: number; revenue: string }>(
      'select units_sold, revenue from top_products where tenant = ? and product_id = ?',
      [tenant, p3],
    );
    assert.deepEqual(p3Row, [{ units_sold: 0, revenue: '0.00' }]);
  });

  it('product view - available quantity after reservations and releases, rating after reviews, announced with a higher version', async () => {
    const tenant = `t-${randomUUID()}`;
    const productId = randomUUID();
    const notices = listen(subjects.view(tenant, 'product', productId));
    try {
      await publish([
        productEnvelope(tenant, productId, 1, created(productId, 10)),
        stock(tenant, productId, 2, 'StockReserved', 4),
        stock(tenant, productId, 3, 'StockReserved', 6),
        stock(tenant, productId, 4, 'StockReleased', 4),
        review(tenant, productId, 5),
        review(tenant, productId, 4),
        review(tenant, productId, 4),
      ]);
      const view = await ask(productQuery, tenant, { id: productId });
      assert.equal(view?.availableQuantity, 4);
      assert.equal(view?.inStock, true);
      assert.equal(view?.version, 4, 'reviews leave the Product aggregate version alone');
      assert.equal(view?.reviewCount, 3);
      assert.equal(view?.averageRating, 4.333);
      assert.equal((view as { revision?: number } | null)?.revision, 7);

      await waitFor(() => notices.changes.length === 7, { what: 'seven product notices' });
      assert.deepEqual(
        notices.changes.map((c) => c.version),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { version: number }).version),
        [1, 2, 3, 4, 4, 4, 4],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { availableQuantity: number }).availableQuantity),
        [10, 6, 0, 4, 4, 4, 4],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { reviewCount: number }).reviewCount),
        [0, 0, 0, 0, 1, 2, 3],
      );
    } finally {
      notices.sub.unsubscribe();
    }
  });

  it('duplicates published after the dedupe window (new sequence, same event) change no view twice (G3)', async () => {
    const tenant = `t-${randomUUID()}`;
    const customer = customerRegistered(tenant);
    const productId = randomUUID();
    const lines = [line(productId, 2, '3.00', '6.00')];
    const paid = orderStory(tenant, customer.id, 'eu', lines, '6.00');
    const refunded = orderStory(tenant, customer.id, 'eu', lines, '6.00');
    const events = [
      customer.event,
      productEnvelope(tenant, productId, 1, created(productId, 10)),
      paid.placed('2026-03-01T10:00:00.000Z'),
      stock(tenant, productId, 2, 'StockReserved', 2),
      paid.confirmed('2026-03-01T10:00:01.000Z'),
      paid.paid('2026-03-01T11:00:00.000Z'),
      refunded.placed('2026-03-01T10:00:00.000Z'),
      stock(tenant, productId, 3, 'StockReserved', 2),
      refunded.confirmed('2026-03-01T10:00:01.000Z'),
      refunded.paid('2026-03-01T11:00:00.000Z'),
      refunded.cancelled('2026-03-01T12:00:00.000Z', 'PAID', '2026-03-01T11:00:00.000Z'),
      stock(tenant, productId, 4, 'StockReleased', 2),
      review(tenant, productId, 5),
      review(tenant, productId, 2),
    ];
    const snapshot = async () => ({
      products: await sql('select * from product_view where tenant = ?', [tenant]),
      orders: await sql('select * from order_view where tenant = ? order by id', [tenant]),
      customers: await sql('select * from customer_view where tenant = ?', [tenant]),
      sales: await sql('select * from regional_sales where tenant = ? order by region, day', [tenant]),
      top: await sql('select * from top_products where tenant = ? order by product_id', [tenant]),
    });
    await publish(events);
    const once = await snapshot();
    assert.equal((once.customers[0] as { total_spent: string }).total_spent, '6.00');
    assert.equal((once.sales[0] as { revenue: string }).revenue, '6.00');
    assert.equal((once.top[0] as { units_sold: number }).units_sold, 2);
    assert.equal((once.products[0] as { review_count: string }).review_count, '2', 'bigint: pg hands it over as a string');
    assert.equal((once.products[0] as { available_quantity: number }).available_quantity, 8);

    // The same events again under new message ids: JetStream stores them at new sequences.
    await publish(events, () => randomUUID());
    // And a late duplicate of an early order event, after later events of that order were applied.
    await publish([events[2]!, events[5]!], () => randomUUID());
    assert.deepEqual(await snapshot(), once);
    const letters = await sql('select projection, event_type, error from dead_letters');
    assert.deepEqual(letters, []);
  });

  it('queries - bad arguments are BAD_USER_INPUT naming the argument', async () => {
    const tenant = `t-${randomUUID()}`;
    const uuid = randomUUID();
    await assert.rejects(ask(orderQuery, tenant, { id: 'not-a-uuid' }), badInput('id'));
    await assert.rejects(ask(customerQuery, tenant, { id: 42 }), badInput('id'));
    await assert.rejects(ask(customersByIdsQuery, tenant, { ids: 'x' }), badInput('ids'));
    await assert.rejects(ask(customersByIdsQuery, tenant, { ids: [uuid, 'x'] }), badInput('ids'));
    await assert.rejects(ask(ordersQuery, tenant, { first: 0 }), badInput('first'));
    await assert.rejects(ask(ordersQuery, tenant, { first: 101 }), badInput('first'));
    await assert.rejects(ask(ordersQuery, tenant, { first: 2.5 }), badInput('first'));
    await assert.rejects(ask(ordersQuery, tenant, { after: 'garbage' }), badInput('after'));
    await assert.rejects(
      ask(ordersQuery, tenant, { after: Buffer.from(JSON.stringify(['yesterday', uuid])).toString('base64url') }),
      badInput('after'),
    );
    await assert.rejects(ask(ordersQuery, tenant, { status: 'LOST' as 'PAID' }), badInput('status'));
    await assert.rejects(ask(ordersQuery, tenant, { customerId: 'bob' }), badInput('customerId'));
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2026-02-30', to: '2026-03-01' }), badInput('from'));
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2026-03-01', to: '03/02/2026' }), badInput('to'));
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2026-03-01' } as { from: string; to: string }), badInput('to'));
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2026-03-02', to: '2026-03-01' }), badInput('from'));
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2025-01-01', to: '2026-01-02' }), badInput('to'));
    await assert.rejects(
      ask(salesByRegionQuery, tenant, { from: '2026-03-01', to: '2026-03-01', region: 7 as unknown as string }),
      badInput('region'),
    );
    await assert.rejects(ask(salesByRegionQuery, tenant, { from: '2026-03-01', to: '2026-03-01', region: 'eu.west' }), badInput('region'));
    await assert.rejects(ask(topProductsQuery, tenant, { limit: 0 }), badInput('limit'));
    await assert.rejects(ask(topProductsQuery, tenant, { limit: 101 }), badInput('limit'));
    // The edges of the ranges are accepted.
    assert.deepEqual(await ask(salesByRegionQuery, tenant, { from: '2025-01-01', to: '2026-01-01' }), []);
    assert.deepEqual(await ask(topProductsQuery, tenant, { limit: 100 }), []);
    assert.equal((await ask(ordersQuery, tenant, { first: 100 })).totalCount, 0);
  });
});
