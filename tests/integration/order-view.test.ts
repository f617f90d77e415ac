import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { orderQuery } from '../../read-service/queries/order-queries.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';
import { waitFor } from '../support/wait.js';

describe('commerce projections', () => {
  const { subjects, publish, listen, ask } = commerceProjections();

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
});
