import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent, OrderStatus } from '../../schema/events/order-events.js';
import { ORDER_VIEW, type OrderLineView, type OrderTimelineEntryView, type OrderView } from '../../schema/views/commerce-views.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { orderViewBatch } from './order-view-batch.js';
import { orderTransition, placedEntry, toLineView, type OrderTransition } from './order-transition.js';
import type { Projection } from './projection.js';

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

/**
 * Order events into order_view, single-stream: one row per order with its lines and a timeline
 * entry per event. An event applies only when its version is above the row's (G3).
 */
export const orderViewProjection: Projection = {
  name: 'order_view',
  tables: ['order_view'],
  eventTypes: new Set(['OrderPlaced', 'OrderConfirmed', 'OrderRejected', 'OrderPaid', 'OrderShipped', 'OrderCancelled']),
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    if (envelope.aggregateType !== 'Order') return [];
    const event = envelope as EventEnvelope & OrderEvent;
    let rows: OrderViewRow[];
    if (event.type === 'OrderPlaced') {
      const d = event.data;
      rows = await tx.execute<OrderViewRow[]>(
        `insert into order_view (tenant, id, customer_id, status, lines, total, region, placed_at, updated_at, timeline, version)
         values (?, ?, ?, 'PENDING', ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?)
         on conflict (tenant, id) do nothing returning ${ORDER_VIEW_COLUMNS}`,
        [
          event.tenant,
          event.aggregateId,
          d.customerId,
          JSON.stringify(d.lines.map(toLineView)),
          d.total,
          d.region,
          d.placedAt,
          d.placedAt,
          JSON.stringify([placedEntry(event)]),
          event.version,
        ],
      );
    } else {
      const transition = orderTransition(event);
      if (!transition) return [];
      rows = await update(tx, event, transition);
    }
    return rows.map((row) => orderChange(event.tenant, row));
  },
  applyBatch: orderViewBatch<OrderViewRow>({ columns: ORDER_VIEW_COLUMNS, change: (row) => orderChange(row.tenant, row) }),
};

/** Moves the order to the transition's status (keeping the reason unless given one) and appends its timeline entry. */
function update(tx: EntityManager, event: EventEnvelope, { status, reason, at, entry }: OrderTransition): Promise<OrderViewRow[]> {
  return tx.execute<OrderViewRow[]>(
    `update order_view set status = ?, reason = coalesce(?, reason), timeline = timeline || ?::jsonb,
        updated_at = ?, version = ?
      where tenant = ? and id = ? and version < ? returning ${ORDER_VIEW_COLUMNS}`,
    [status, reason, JSON.stringify([entry]), at, event.version, event.tenant, event.aggregateId, event.version],
  );
}

function orderChange(tenant: string, row: OrderViewRow): Omit<ViewChange, 'position'> {
  return { tenant, view: ORDER_VIEW, key: row.id, version: row.version, data: toOrderView(row) };
}
