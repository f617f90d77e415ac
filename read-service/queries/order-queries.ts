import {
  AppError,
  type Connection,
  type OrdersArgs,
  type OrderStatusArg,
  requireUuid,
  type OrderStatus,
  type OrderLineView,
  type OrderTimelineEntryView,
  type OrderView,
  PROJECTIONS,
} from '../../schema/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { QueryDefinition } from './query-definition.js';

/** Columns of order_view in the order `toOrderView` reads them. */
export const ORDER_VIEW_COLUMNS = 'id, customer_id, status, lines, total, region, reason, placed_at, updated_at, timeline, version';

export interface OrderViewRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  lines: OrderLineView[];
  total: string;
  region: string;
  reason: string | null;
  placed_at: Date | string;
  updated_at: Date | string;
  timeline: OrderTimelineEntryView[];
  version: number;
}

export function toOrderView(row: OrderViewRow): OrderView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    lines: row.lines,
    total: row.total,
    region: row.region,
    reason: row.reason,
    placedAt: new Date(row.placed_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    timeline: row.timeline,
    version: row.version,
  };
}

const READS = [PROJECTIONS.order];
const STATUSES: readonly OrderStatusArg[] = ['PENDING', 'CONFIRMED', 'REJECTED', 'PAID', 'SHIPPED', 'CANCELLED'];
/** The keyset value: placed_at in UTC with microseconds, the precision PostgreSQL keeps. */
const PLACED_AT_KEY = `to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export const orderQuery: QueryDefinition<{ id: unknown }, OrderView | null> = {
  name: 'order',
  reads: READS,
  async handle(args, { tenant, em }) {
    const id = requireUuid(args.id, 'id');
    const rows = await em.execute<OrderViewRow[]>(`select ${ORDER_VIEW_COLUMNS} from order_view where tenant = ? and id = ?`, [tenant, id]);
    return rows[0] ? toOrderView(rows[0]) : null;
  },
};

/** Orders newest first, by customer and/or status, in keyset pages over (placed_at desc, id desc). */
export const ordersQuery: QueryDefinition<OrdersArgs, Connection<OrderView>> = {
  name: 'orders',
  reads: READS,
  async handle(args, { tenant, em }) {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > 100) throw AppError.badInput('first', 'first must be an integer from 1 to 100');
    const where = ['tenant = ?'];
    const params: unknown[] = [tenant];
    if (args.customerId !== undefined && args.customerId !== null) {
      where.push('customer_id = ?');
      params.push(requireUuid(args.customerId, 'customerId'));
    }
    if (args.status !== undefined && args.status !== null) {
      if (!STATUSES.includes(args.status)) throw AppError.badInput('status', `status must be one of ${STATUSES.join(', ')}`);
      where.push('status = ?');
      params.push(args.status);
    }
    const pageWhere = [...where];
    const pageParams = [...params];
    if (args.after !== undefined && args.after !== null) {
      if (typeof args.after !== 'string') throw AppError.badInput('after', 'after is not a cursor from this list');
      const [placedAt, id] = decodeCursor(args.after, 'after', 'timestamptz');
      if (typeof placedAt !== 'string' || !KEY_PATTERN.test(placedAt))
        throw AppError.badInput('after', 'after is not a cursor from this list');
      requireUuid(id, 'after');
      pageWhere.push('(placed_at, id) < (?::timestamptz, ?::uuid)');
      pageParams.push(placedAt, id);
    }

    const countRows = await em.execute<{ count: string }[]>(`select count(*) from order_view where ${where.join(' and ')}`, params);
    const rows = await em.execute<(OrderViewRow & { sort_key: string })[]>(
      `select ${ORDER_VIEW_COLUMNS}, ${PLACED_AT_KEY} as sort_key from order_view
        where ${pageWhere.join(' and ')} order by placed_at desc, id desc limit ?`,
      [...pageParams, first + 1],
    );
    const edges = rows.slice(0, first).map((row) => ({ cursor: encodeCursor(row.sort_key, row.id), node: toOrderView(row) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: Number(countRows[0]?.count ?? 0),
    };
  },
};
