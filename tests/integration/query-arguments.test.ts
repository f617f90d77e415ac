import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { salesByRegionQuery, topProductsQuery } from '../../read-service/queries/analytics-queries.js';
import { customerQuery, customersByIdsQuery } from '../../read-service/queries/customer-queries.js';
import { orderQuery, ordersQuery } from '../../read-service/queries/order-queries.js';
import { badInput } from '../support/assertions.js';
import { commerceProjections } from '../support/commerce-projections.js';

describe('commerce projections', () => {
  const { ask } = commerceProjections();

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
