import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { CLAIMED_IN_BATCH } from './applied-versions.js';
import { int, money, text, Unbatchable } from './batch-support.js';

/**
 * top_products' `applyBatch`: the same rows as `apply` event by event, in one
 * statement per run. The confirmed orders and the cancellations of confirmed or paid ones that
 * `claim` would accept (CLAIMED_IN_BATCH) have their lines summed per product (line totals of at
 * most two decimals) and added to the rows.
 */
export function topProductsBatch(name: string) {
  return async function applyBatch(events: readonly EventEnvelope[], tx: EntityManager): Promise<never[]> {
    const changes: Record<string, unknown>[] = [];
    events.forEach((event, ord) => {
      if (event.aggregateType !== 'Order') return;
      const d = event.data as Record<string, unknown>;
      const taken = event.type === 'OrderCancelled' && (d.previousStatus === 'CONFIRMED' || d.previousStatus === 'PAID');
      if (event.type !== 'OrderConfirmed' && !taken) return;
      if (!Array.isArray(d.lines)) throw new Unbatchable('lines is not a list');
      if (d.lines.length === 0) return;
      const lines = (d.lines as Record<string, unknown>[]).map((line) => ({
        product_id: text(line.productId),
        quantity: int(line.quantity),
        line_total: money(line.lineTotal),
      }));
      changes.push({
        ord,
        tenant: text(event.tenant),
        stream_type: event.aggregateType,
        stream_id: text(event.aggregateId),
        version: int(event.version),
        sign: taken ? -1 : 1,
        lines,
      });
    });
    if (changes.length === 0) return [];
    await tx.execute(
      `with ev as (
         select * from json_to_recordset(?::json) as e(ord integer, tenant text, stream_type text, stream_id text, version integer, sign integer, lines json)
       ),
       ${CLAIMED_IN_BATCH},
       per_row as (
         select c.tenant, line.product_id::uuid as product_id, sum(c.sign * line.quantity) as units, sum(c.sign * line.line_total::numeric) as revenue
           from claimed c cross join lateral json_to_recordset(c.lines) as line(product_id text, quantity integer, line_total text)
          group by 1, 2
       )
       insert into top_products as top (tenant, product_id, units_sold, revenue)
       select tenant, product_id, units, revenue from per_row
       on conflict (tenant, product_id) do update set
         units_sold = top.units_sold + excluded.units_sold,
         revenue = top.revenue + excluded.revenue`,
      [JSON.stringify(changes), name, name],
      'run',
    );
    return []; // top products announce no view changes, as one by one
  };
}
