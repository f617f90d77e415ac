import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { CLAIMED_IN_BATCH } from './applied-versions.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { int, money, returning, text, type BatchOptions, type ChangedRows } from './batch-support.js';

/**
 * regional_sales' `applyBatch`: the same rows as `apply` event by event, in one
 * statement per run. The paid and cancelled-after-payment orders that `claim` would accept
 * (CLAIMED_IN_BATCH) are summed per region and UTC day of payment (amounts of at most two
 * decimals) and added to the rows, whose version goes up by one per event. Returns each changed
 * row once, a region's days in date order (one by one, the last change announced for a region
 * is its latest day's when the run holds several).
 */
export function regionalSalesBatch<Row>(name: string, rows: ChangedRows<Row>) {
  return async function applyBatch(
    events: readonly EventEnvelope[],
    tx: EntityManager,
    options: BatchOptions = {},
  ): Promise<Omit<ViewChange, 'position'>[]> {
    const changes: Record<string, unknown>[] = [];
    events.forEach((event, ord) => {
      if (event.aggregateType !== 'Order') return;
      const d = event.data as Record<string, unknown>;
      const claim = {
        ord,
        tenant: text(event.tenant),
        stream_type: event.aggregateType,
        stream_id: text(event.aggregateId),
        version: int(event.version),
      };
      if (event.type === 'OrderPaid')
        changes.push({ ...claim, region: text(d.region), at: text(d.paidAt), orders: 1, amount: money(d.amount) });
      else if (event.type === 'OrderCancelled' && d.paidAt !== null)
        changes.push({ ...claim, region: text(d.region), at: text(d.paidAt), orders: -1, amount: money(`-${text(d.total)}`) });
    });
    if (changes.length === 0) return [];
    const changed = await tx.execute<(Row & { tenant: string })[]>(
      `with ev as (
         select * from json_to_recordset(?::json) as e(ord integer, tenant text, stream_type text, stream_id text, version integer,
           region text, at timestamptz, orders integer, amount numeric)
       ),
       ${CLAIMED_IN_BATCH},
       per_row as (
         select tenant, region, (at at time zone 'UTC')::date as day, sum(orders) as orders, sum(amount) as revenue, count(*) as changes
           from claimed group by 1, 2, 3
       )
       insert into regional_sales as sales (tenant, region, day, orders_count, revenue, version)
       select tenant, region, day, orders, revenue, changes from per_row
       on conflict (tenant, region, day) do update set
         orders_count = sales.orders_count + excluded.orders_count,
         revenue = sales.revenue + excluded.revenue,
         version = sales.version + excluded.version
       returning ${returning(rows, options)}`,
      [JSON.stringify(changes), name, name],
    );
    if (options.announce === false) return [];
    return changed
      .map((row) => rows.change(row))
      .sort((a, b) => String((a.data as { day?: string }).day).localeCompare(String((b.data as { day?: string }).day)));
  };
}
