import { type EventEnvelope, type OrderEvent, SALES_VIEW, PROJECTIONS } from '../../schema/index.js';
import { REGIONAL_SALES_COLUMNS, toRegionalSalesView, type RegionalSalesRow } from '../queries/analytics-queries.js';
import { sourceOf, type ReadModel, type RowChange, type Source } from './read-model.js';
import { CLAIMED_IN_BATCH, claim, money, returning } from './row-sql.js';

const NAME = PROJECTIONS.sales;

/** An order counted in (1) or taken out of (-1) its region's row for the UTC day it was paid. */
type Change = { region: string; paid_at: string; orders: 1 | -1; amount: string } & Source;

/**
 * Paid orders per region and UTC day of payment, multi-stream over orders (guarded per order by
 * `claim`): OrderPaid adds the order and its amount; cancelling a paid order takes both back
 * from the day it was paid. Every change bumps the row's version.
 */
export const regionalSales: ReadModel<Change> = {
  name: NAME,
  tables: ['regional_sales'],
  eventTypes: new Set(['OrderPaid', 'OrderCancelled']),

  toChanges(envelope) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    if (event.type === 'OrderPaid')
      return [{ ...sourceOf(event), region: event.data.region, paid_at: event.data.paidAt, orders: 1, amount: event.data.amount }];
    if (event.type === 'OrderCancelled' && event.data.paidAt !== null)
      return [{ ...sourceOf(event), region: event.data.region, paid_at: event.data.paidAt, orders: -1, amount: `-${event.data.total}` }];
    return [];
  },

  async writeOne(tx, c) {
    if (!(await claim(tx, NAME, c))) return [];
    const rows = await tx.execute<RegionalSalesRow[]>(
      `insert into regional_sales as sales (tenant, region, day, orders_count, revenue, version)
       values (?, ?, (?::timestamptz at time zone 'UTC')::date, ?, ?::numeric, 1)
       on conflict (tenant, region, day) do update set
         orders_count = sales.orders_count + excluded.orders_count, revenue = sales.revenue + excluded.revenue, version = sales.version + 1
       returning ${REGIONAL_SALES_COLUMNS}`,
      [c.tenant, c.region, c.paid_at, c.orders, c.amount],
    );
    return rows.map((row) => announce(c.tenant, row));
  },

  // The changes `claim` would accept, summed per region and day (amounts of at most two
  // decimals); a row's version goes up by one per change. A region's days are announced in date
  // order, so that its last announcement is its latest day's, as change by change.
  async writeRun(tx, changes, announced) {
    changes.forEach((c) => money(c.amount));
    const rows = await tx.execute<(RegionalSalesRow & { tenant: string })[]>(
      `with ev as (
         select * from json_to_recordset(?::json) as e(ord integer, tenant text, stream_type text, stream_id text, version integer,
           region text, paid_at timestamptz, orders integer, amount numeric)
       ),
       ${CLAIMED_IN_BATCH},
       per_row as (
         select tenant, region, (paid_at at time zone 'UTC')::date as day, sum(orders) as orders, sum(amount) as revenue, count(*) as changes
           from claimed group by 1, 2, 3
       )
       insert into regional_sales as sales (tenant, region, day, orders_count, revenue, version)
       select tenant, region, day, orders, revenue, changes from per_row
       on conflict (tenant, region, day) do update set
         orders_count = sales.orders_count + excluded.orders_count, revenue = sales.revenue + excluded.revenue,
         version = sales.version + excluded.version
       returning ${returning(REGIONAL_SALES_COLUMNS, announced)}`,
      [JSON.stringify(changes), NAME, NAME],
    );
    return announced ? rows.map((row) => announce(row.tenant, row)).sort((a, b) => dayOf(a).localeCompare(dayOf(b))) : [];
  },
};

function announce(tenant: string, row: RegionalSalesRow): RowChange {
  return { tenant, view: SALES_VIEW, key: row.region, version: Number(row.version), data: toRegionalSalesView(row) };
}

function dayOf(change: RowChange): string {
  return (change.data as { day: string }).day;
}
