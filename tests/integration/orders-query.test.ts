import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ordersQuery } from '../../read-service/queries/order-queries.js';
import type { Connection } from '../../schema/queries/query-message.js';
import type { OrderView } from '../../schema/views/commerce-views.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';

describe('commerce projections', () => {
  const { publish, ask } = commerceProjections();

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
});
