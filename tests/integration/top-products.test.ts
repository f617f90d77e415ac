import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { topProductsQuery } from '../../read-service/queries/analytics-queries.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';

describe('commerce projections', () => {
  const { publish, ask, sql } = commerceProjections();

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
});
