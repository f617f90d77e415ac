import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { customerQuery, customersByIdsQuery } from '../../read-service/queries/customer-queries.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';
import { waitFor } from '../support/wait.js';

describe('commerce projections', () => {
  const { subjects, publish, listen, ask } = commerceProjections();

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
});
