import {
  AppError,
  type SalesByRegionArgs,
  type TopProductsArgs,
  requireRegion,
  type RegionalSalesView,
  type TopProductView,
  servedAsInt,
  PROJECTIONS,
} from '../../schema/index.js';
import { isCalendarDay } from './calendar-day.js';
import type { QueryDefinition } from './query-definition.js';

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

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Paid orders per region and UTC day over an inclusive range of at most 366 days, by day then region. */
export const salesByRegionQuery: QueryDefinition<SalesByRegionArgs, RegionalSalesView[]> = {
  name: 'salesByRegion',
  reads: [PROJECTIONS.sales],
  async handle(args, { tenant, em }) {
    const from = requireDay(args.from, 'from');
    const to = requireDay(args.to, 'to');
    if (from > to) throw AppError.badInput('from', 'from must be on or before to');
    if ((to - from) / DAY_MS + 1 > MAX_DAYS) throw AppError.badInput('to', `the range from..to must span at most ${MAX_DAYS} days`);
    const region = args.region === undefined || args.region === null ? null : requireRegion(args.region, 'region');
    const rows = await em.execute<RegionalSalesRow[]>(
      `select ${REGIONAL_SALES_COLUMNS} from regional_sales
        where tenant = ? and day between ?::date and ?::date ${region === null ? '' : 'and region = ?'}
        order by regional_sales.day, region`,
      [tenant, args.from, args.to, ...(region === null ? [] : [region])],
    );
    return rows.map(toRegionalSalesView);
  },
};

/** Products by units sold (confirmed orders net of cancellations), then revenue, then id. */
export const topProductsQuery: QueryDefinition<TopProductsArgs, TopProductView[]> = {
  name: 'topProducts',
  reads: [PROJECTIONS.topProducts],
  async handle(args, { tenant, em }) {
    const limit = args.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw AppError.badInput('limit', 'limit must be an integer from 1 to 100');
    const rows = await em.execute<{ product_id: string; units_sold: number; revenue: string }[]>(
      `select product_id, units_sold, revenue from top_products
        where tenant = ? and units_sold > 0
        order by units_sold desc, revenue desc, product_id limit ?`,
      [tenant, limit],
    );
    return rows.map((row) => ({ productId: row.product_id, unitsSold: row.units_sold, revenue: row.revenue }));
  },
};

/** A calendar day as YYYY-MM-DD, year 0001 to 9999 (PostgreSQL has no year 0); returns its UTC midnight in ms. */
function requireDay(value: unknown, field: string): number {
  if (typeof value === 'string' && isCalendarDay(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(ms)) return ms;
  }
  throw AppError.badInput(field, `${field} must be a date as YYYY-MM-DD, year 0001 to 9999`);
}
