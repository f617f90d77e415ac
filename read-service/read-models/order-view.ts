import {
  type EventEnvelope,
  type OrderEvent,
  type OrderStatus,
  ORDER_VIEW,
  type OrderLineView,
  type OrderTimelineEntryView,
  PROJECTIONS,
} from '../../schema/index.js';
import { ORDER_VIEW_COLUMNS, toOrderView, type OrderViewRow } from '../queries/order-queries.js';
import type { ReadModel, RowChange } from './read-model.js';
import { lastPerRow, refuseChangeBeforeCreation, returning } from './row-sql.js';

/** What an order event does to its order_view row: the placement creates it, each later event moves its status. */
type Change =
  | {
      kind: 'place';
      tenant: string;
      id: string;
      version: number;
      customer_id: string;
      lines: OrderLineView[];
      total: string;
      region: string;
      placed_at: string;
      timeline: OrderTimelineEntryView[];
    }
  | {
      kind: 'move';
      tenant: string;
      id: string;
      version: number;
      status: OrderStatus;
      /** Null keeps the row's. */ reason: string | null;
      at: string;
      entry: OrderTimelineEntryView;
    };

/**
 * Order events into order_view, single-stream: one row per order with its lines and a timeline
 * entry per event. A change applies only when its version is above the row's (G3).
 */
export const orderView: ReadModel<Change> = {
  name: PROJECTIONS.order,
  tables: ['order_view'],
  eventTypes: new Set(['OrderPlaced', 'OrderConfirmed', 'OrderRejected', 'OrderPaid', 'OrderShipped', 'OrderCancelled']),

  toChanges(envelope) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    const { tenant, aggregateId: id, version } = event;
    const move = (status: OrderStatus, reason: string | null, at: string, detail: string | null): Change[] => [
      { kind: 'move', tenant, id, version, status, reason, at, entry: { at: new Date(at).toISOString(), event: event.type, detail } },
    ];
    switch (event.type) {
      case 'OrderPlaced': {
        const { customerId, lines, total, region, placedAt } = event.data;
        const entry = { at: new Date(placedAt).toISOString(), event: event.type, detail: `total: ${total}` };
        const lineViews = lines.map(({ productId, sku, title, quantity, unitPrice, lineTotal }) => ({
          productId,
          sku,
          title,
          quantity,
          unitPrice,
          lineTotal,
        }));
        return [
          {
            kind: 'place',
            tenant,
            id,
            version,
            customer_id: customerId,
            lines: lineViews,
            total,
            region,
            placed_at: placedAt,
            timeline: [entry],
          },
        ];
      }
      case 'OrderConfirmed':
        return move('CONFIRMED', null, event.data.confirmedAt, 'stock reserved');
      case 'OrderRejected': {
        const { reason, productId, rejectedAt } = event.data;
        return move('REJECTED', reason, rejectedAt, `reason: ${reason}, product: ${productId}`);
      }
      case 'OrderPaid':
        return move('PAID', null, event.data.paidAt, `amount: ${event.data.amount}`);
      case 'OrderShipped':
        return move('SHIPPED', null, event.data.shippedAt, null);
      case 'OrderCancelled': {
        const { reason, previousStatus, cancelledAt } = event.data;
        return move('CANCELLED', reason, cancelledAt, reason ? `reason: ${reason}, was: ${previousStatus}` : `was: ${previousStatus}`);
      }
      default:
        return [];
    }
  },

  async writeOne(tx, c) {
    const rows =
      c.kind === 'place'
        ? await tx.execute<OrderViewRow[]>(
            `insert into order_view (tenant, id, customer_id, status, lines, total, region, placed_at, updated_at, timeline, version)
             values (?, ?, ?, 'PENDING', ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?) on conflict (tenant, id) do nothing returning ${ORDER_VIEW_COLUMNS}`,
            [
              c.tenant,
              c.id,
              c.customer_id,
              JSON.stringify(c.lines),
              c.total,
              c.region,
              c.placed_at,
              c.placed_at,
              JSON.stringify(c.timeline),
              c.version,
            ],
          )
        : await tx.execute<OrderViewRow[]>(
            `update order_view set status = ?, reason = coalesce(?, reason), timeline = timeline || ?::jsonb, updated_at = ?, version = ?
              where tenant = ? and id = ? and version < ? returning ${ORDER_VIEW_COLUMNS}`,
            [c.status, c.reason, JSON.stringify([c.entry]), c.at, c.version, c.tenant, c.id, c.version],
          );
    return rows.map((row) => announce(c.tenant, row));
  },

  // Placements first; then each order's moves folded: a move applies when its version is above
  // the row's and every earlier one of the run; the last status, time and version win, the last
  // reason given (else the row's), and the timeline gets the applied entries in order.
  async writeRun(tx, changes, announced) {
    const placements = changes.filter((c) => c.kind === 'place');
    const moves = changes.filter((c) => c.kind === 'move');
    await refuseChangeBeforeCreation(tx, 'order_view', placements, moves);
    const rows: (OrderViewRow & { tenant: string })[] = [];
    if (placements.length > 0)
      rows.push(
        ...(await tx.execute<(OrderViewRow & { tenant: string })[]>(
          `insert into order_view (tenant, id, customer_id, status, lines, total, region, placed_at, updated_at, timeline, version)
         select tenant, id, customer_id, 'PENDING', lines, total, region, placed_at, placed_at, timeline, version
           from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, customer_id uuid, lines jsonb, total numeric,
             region text, placed_at timestamptz, timeline jsonb, version integer)
          order by ord
         on conflict (tenant, id) do nothing returning ${returning(ORDER_VIEW_COLUMNS, announced)}`,
          [JSON.stringify(placements)],
        )),
      );
    if (moves.length > 0)
      rows.push(
        ...(await tx.execute<(OrderViewRow & { tenant: string })[]>(
          `with ev as (
           select * from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, version integer, status text, reason text,
             at timestamptz, entry jsonb)
         ),
         guarded as (
           select e.*, o.version as row_version,
             max(e.version) over (partition by e.tenant, e.id order by e.ord rows between unbounded preceding and 1 preceding) as before
             from ev e join order_view o on o.tenant = e.tenant and o.id = e.id
         ),
         per_row as (
           select tenant, id, max(version) as version, (array_agg(status order by ord desc))[1] as status,
             (array_agg(reason order by ord desc) filter (where reason is not null))[1] as reason,
             (array_agg(at order by ord desc))[1] as at, jsonb_agg(entry order by ord) as entries
             from guarded where version > row_version and (before is null or version > before)
            group by tenant, id
         )
         update order_view o set status = r.status, reason = coalesce(r.reason, o.reason), timeline = o.timeline || r.entries,
             updated_at = r.at, version = r.version
           from per_row r where o.tenant = r.tenant and o.id = r.id
         returning ${returning(ORDER_VIEW_COLUMNS, announced, 'o')}`,
          [JSON.stringify(moves)],
        )),
      );
    return announced ? lastPerRow(rows.map((row) => announce(row.tenant, row))) : [];
  },
};

function announce(tenant: string, row: OrderViewRow): RowChange {
  return { tenant, view: ORDER_VIEW, key: row.id, version: row.version, data: toOrderView(row) };
}
