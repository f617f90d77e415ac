import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { salesByRegionQuery } from '../../read-service/queries/analytics-queries.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';
import { waitFor } from '../support/wait.js';

describe('commerce projections', () => {
  const { subjects, publish, listen, ask } = commerceProjections();

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
});
