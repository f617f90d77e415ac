import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent, OrderLineData } from '../../schema/events/order-events.js';
import { claim } from './applied-versions.js';
import { topProductsBatch } from './top-products-batch.js';
import type { Projection } from './projection.js';

const NAME = 'top_products';

/**
 * Units sold and revenue per product, multi-stream over orders (guarded per order by `claim`):
 * a confirmed order adds each line; cancelling a confirmed or paid order takes them back.
 * Dashboards read it by query; it sends no change notices.
 */
export const topProductsProjection: Projection = {
  name: NAME,
  tables: ['top_products'],
  eventTypes: new Set(['OrderConfirmed', 'OrderCancelled']),
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    switch (event.type) {
      case 'OrderConfirmed':
        await add(tx, event, event.data.lines, 1);
        break;
      case 'OrderCancelled':
        if (event.data.previousStatus === 'CONFIRMED' || event.data.previousStatus === 'PAID') await add(tx, event, event.data.lines, -1);
        break;
      default:
        break;
    }
    return [];
  },
  applyBatch: topProductsBatch(NAME),
};

/** Adds (sign 1) or takes back (sign -1) the lines, summed per product first (a product may repeat). */
async function add(tx: EntityManager, event: EventEnvelope, lines: OrderLineData[], sign: 1 | -1): Promise<void> {
  if (lines.length === 0 || !(await claim(tx, NAME, event))) return;
  await tx.execute(
    `insert into top_products as top (tenant, product_id, units_sold, revenue)
     select ?, line.product_id::uuid, ? * sum(line.quantity), ? * sum(line.line_total::numeric)
       from jsonb_to_recordset(?::jsonb) as line(product_id text, quantity integer, line_total text)
      group by line.product_id
     on conflict (tenant, product_id) do update set
       units_sold = top.units_sold + excluded.units_sold,
       revenue = top.revenue + excluded.revenue`,
    [
      event.tenant,
      sign,
      sign,
      JSON.stringify(lines.map((l) => ({ product_id: l.productId, quantity: l.quantity, line_total: l.lineTotal }))),
    ],
    'run',
  );
}
