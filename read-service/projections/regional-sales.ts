import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent } from '../../schema/events/order-events.js';
import { servedAsInt } from '../../schema/limits.js';
import { SALES_VIEW, type RegionalSalesView } from '../../schema/views/commerce-views.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { claim } from './applied-versions.js';
import { regionalSalesBatch } from './regional-sales-batch.js';
import type { Projection } from './projection.js';

const NAME = 'regional_sales';

/** Columns of regional_sales in the order `toRegionalSalesView` reads them (the day as text: no time zone on the way). */
export const REGIONAL_SALES_COLUMNS = "region, to_char(day, 'YYYY-MM-DD') as day, orders_count, revenue, version";

export interface RegionalSalesRow {
  region: string;
  day: string;
  /** bigint: pg hands it over as a string. */
  orders_count: number | string;
  revenue: string;
  /** bigint: pg hands it over as a string. */
  version: number | string;
}

export function toRegionalSalesView(row: RegionalSalesRow): RegionalSalesView {
  return {
    region: row.region,
    day: row.day,
    ordersCount: servedAsInt(row.orders_count),
    revenue: row.revenue,
    version: Number(row.version),
  };
}

/**
 * Paid orders per region and UTC day of payment, multi-stream over orders (guarded per order by
 * `claim`): OrderPaid adds the order and its amount; cancelling a paid order takes both back
 * from the day it was paid. Every change bumps the row's version.
 */
export const regionalSalesProjection: Projection = {
  name: NAME,
  tables: ['regional_sales'],
  eventTypes: new Set(['OrderPaid', 'OrderCancelled']),
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    let rows: RegionalSalesRow[];
    switch (event.type) {
      case 'OrderPaid':
        rows = await add(tx, event, event.data.region, event.data.paidAt, 1, event.data.amount);
        break;
      case 'OrderCancelled':
        if (event.data.paidAt === null) return [];
        rows = await add(tx, event, event.data.region, event.data.paidAt, -1, `-${event.data.total}`);
        break;
      default:
        return [];
    }
    return rows.map((row) => salesChange(event.tenant, row));
  },
  applyBatch: regionalSalesBatch<RegionalSalesRow>(NAME, {
    columns: REGIONAL_SALES_COLUMNS,
    change: (row) => salesChange(row.tenant, row),
  }),
};

function salesChange(tenant: string, row: RegionalSalesRow): Omit<ViewChange, 'position'> {
  return { tenant, view: SALES_VIEW, key: row.region, version: Number(row.version), data: toRegionalSalesView(row) };
}

async function add(
  tx: EntityManager,
  event: EventEnvelope,
  region: string,
  at: string,
  orders: number,
  amount: string,
): Promise<RegionalSalesRow[]> {
  if (!(await claim(tx, NAME, event))) return [];
  return tx.execute<RegionalSalesRow[]>(
    `insert into regional_sales as sales (tenant, region, day, orders_count, revenue, version)
     values (?, ?, (?::timestamptz at time zone 'UTC')::date, ?, ?::numeric, 1)
     on conflict (tenant, region, day) do update set
       orders_count = sales.orders_count + excluded.orders_count,
       revenue = sales.revenue + excluded.revenue,
       version = sales.version + 1
     returning ${REGIONAL_SALES_COLUMNS}`,
    [event.tenant, region, at, orders, amount],
  );
}
