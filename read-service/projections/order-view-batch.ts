import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent } from '../../schema/events/order-events.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import {
  announced,
  anyMissing,
  changedBeforeCreated,
  int,
  returning,
  text,
  Unbatchable,
  type BatchOptions,
  type ChangedRows,
} from './batch-support.js';
import { orderTransition, placedEntry, toLineView } from './order-transition.js';

interface Change {
  ord: number;
  tenant: string;
  id: string;
  version: number;
  status: string;
  reason: string | null;
  at: string;
  entry: unknown;
}

/**
 * order_view's `applyBatch`: the same rows as `apply` event by event, in two
 * statements per run. Placements are inserted first (a run where a change of a missing order
 * comes before its placement is refused). Then every order's changes are folded: an event applies
 * when its version is above both the row's and every earlier version of the run for that order
 * (the one-by-one guard); the last status, at and version win, the last reason given (else the
 * row's), and the timeline gets the applied events' entries in order. Returns each changed row once.
 */
export function orderViewBatch<Row>(rows: ChangedRows<Row>) {
  return (events: readonly EventEnvelope[], tx: EntityManager, options: BatchOptions = {}) => applyOrderBatch(events, tx, rows, options);
}

async function applyOrderBatch<Row>(
  events: readonly EventEnvelope[],
  tx: EntityManager,
  rows: ChangedRows<Row>,
  options: BatchOptions,
): Promise<Omit<ViewChange, 'position'>[]> {
  const placements: Record<string, unknown>[] = [];
  const changes: Change[] = [];
  const placedAt = new Map<string, number>();
  events.forEach((envelope, ord) => {
    if (envelope.aggregateType !== 'Order') return;
    const event = envelope as EventEnvelope & OrderEvent;
    const base = { ord, tenant: text(event.tenant), id: text(event.aggregateId), version: int(event.version) };
    if (event.type === 'OrderPlaced') {
      const d = event.data;
      if (!Array.isArray(d.lines)) throw new Unbatchable('lines is not a list');
      if (!placedAt.has(`${base.tenant}/${base.id}`)) placedAt.set(`${base.tenant}/${base.id}`, ord);
      placements.push({
        ...base,
        customer_id: text(d.customerId),
        lines: d.lines.map(toLineView),
        total: text(d.total),
        region: text(d.region),
        placed_at: text(d.placedAt),
        timeline: [placedEntry(event)],
      });
      return;
    }
    const transition = orderTransition(event);
    if (!transition) return;
    changes.push({
      ...base,
      status: transition.status,
      reason: transition.reason === null ? null : text(transition.reason),
      at: text(transition.at),
      entry: transition.entry,
    });
  });
  const early = changedBeforeCreated(changes, placedAt);
  if (early.length > 0 && (await anyMissing(tx, 'order_view', early))) throw new Unbatchable('a change of an order precedes its placement');
  const changed: (Row & { tenant: string })[] = [];
  if (placements.length > 0) {
    changed.push(
      ...(await tx.execute<(Row & { tenant: string })[]>(
        `insert into order_view (tenant, id, customer_id, status, lines, total, region, placed_at, updated_at, timeline, version)
       select tenant, id, customer_id, 'PENDING', lines, total, region, placed_at, placed_at, timeline, version
         from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, customer_id uuid, lines jsonb, total numeric,
           region text, placed_at timestamptz, timeline jsonb, version integer)
        order by ord
       on conflict (tenant, id) do nothing
       returning ${returning(rows, options)}`,
        [JSON.stringify(placements)],
      )),
    );
  }
  if (changes.length > 0) {
    changed.push(
      ...(await tx.execute<(Row & { tenant: string })[]>(
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
       returning ${returning(rows, options, 'o')}`,
        [JSON.stringify(changes)],
      )),
    );
  }
  return announced(rows, changed, options);
}
