import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { customerRegistered, line, orderStory, review, stock } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';
import { created, productEnvelope } from '../support/events.js';

describe('commerce projections', () => {
  const { publish, sql } = commerceProjections();

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
});
