import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { CLAIMED_IN_BATCH } from './applied-versions.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import {
  announced,
  anyMissing,
  changedBeforeCreated,
  int,
  money,
  returning,
  text,
  Unbatchable,
  type BatchOptions,
  type ChangedRows,
} from './batch-support.js';

/**
 * customer_view's `applyBatch`: the same rows as `apply` event by event, in two
 * statements per run. Registrations are inserted first (a run where an order of a missing
 * customer comes before the registration is refused). Then the order events that `claim` would
 * accept (CLAIMED_IN_BATCH) move their customers' figures: orders placed, the latest placement,
 * amounts paid less paid orders cancelled (amounts of at most two decimals, so that the sum is
 * what the one-by-one additions give), one revision per event. An order of a missing customer
 * throws, as one by one. Returns each changed row once.
 */
export function customerViewBatch<Row>(name: string, rows: ChangedRows<Row>) {
  return async function applyBatch(
    events: readonly EventEnvelope[],
    tx: EntityManager,
    options: BatchOptions = {},
  ): Promise<Omit<ViewChange, 'position'>[]> {
    const registrations: Record<string, unknown>[] = [];
    const changes: { ord: number; tenant: string; id: string; [column: string]: unknown }[] = [];
    const registeredAt = new Map<string, number>();
    events.forEach((event, ord) => {
      const d = event.data as Record<string, unknown>;
      if (event.aggregateType === 'Customer' && event.type === 'CustomerRegistered') {
        const row = {
          ord,
          tenant: text(event.tenant),
          id: text(d.customerId),
          name: text(d.name),
          email: text(d.email),
          region: text(d.region),
          version: int(event.version),
          registered_at: text(d.registeredAt),
        };
        if (!registeredAt.has(`${row.tenant}/${row.id}`)) registeredAt.set(`${row.tenant}/${row.id}`, ord);
        registrations.push(row);
        return;
      }
      if (event.aggregateType !== 'Order') return;
      const claim = {
        ord,
        tenant: text(event.tenant),
        stream_type: event.aggregateType,
        stream_id: text(event.aggregateId),
        version: int(event.version),
        id: text(d.customerId),
      };
      if (event.type === 'OrderPlaced') changes.push({ ...claim, orders: 1, placed_at: text(d.placedAt), spent: '0' });
      else if (event.type === 'OrderPaid') changes.push({ ...claim, orders: 0, spent: money(d.amount) });
      else if (event.type === 'OrderCancelled' && d.previousStatus === 'PAID')
        changes.push({ ...claim, orders: 0, spent: money(`-${text(d.total)}`) });
    });
    const early = changedBeforeCreated(changes, registeredAt);
    if (early.length > 0 && (await anyMissing(tx, 'customer_view', early)))
      throw new Unbatchable('an order of a customer precedes the registration');
    const changed: (Row & { tenant: string })[] = [];
    if (registrations.length > 0) {
      changed.push(
        ...(await tx.execute<(Row & { tenant: string })[]>(
          `insert into customer_view (tenant, id, name, email, region, version, revision, registered_at)
         select tenant, id, name, email, region, version, 1, registered_at
           from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, name text, email text, region text, version integer, registered_at timestamptz)
          order by ord
         on conflict (tenant, id) do nothing
         returning ${returning(rows, options)}`,
          [JSON.stringify(registrations)],
        )),
      );
    }
    if (changes.length === 0) return announced(rows, changed, options);
    const result = await tx.execute<(Row & { tenant: string | null; expected: string })[]>(
      `with ev as (
         select * from json_to_recordset(?::json) as e(ord integer, tenant text, stream_type text, stream_id text, version integer,
           id uuid, orders integer, placed_at timestamptz, spent numeric)
       ),
       ${CLAIMED_IN_BATCH},
       per_row as (
         select tenant, id, count(*) as changes, sum(orders) as orders, max(placed_at) as placed_at, sum(spent) as spent
           from claimed group by tenant, id
       ),
       updated as (
         update customer_view c set orders_count = c.orders_count + r.orders, last_order_at = greatest(c.last_order_at, r.placed_at),
             total_spent = c.total_spent + r.spent, revision = c.revision + r.changes
           from per_row r where c.tenant = r.tenant and c.id = r.id
         returning ${returning(rows, options, 'c')}
       )
       select x.expected, u.* from (select count(*) as expected from per_row) x left join updated u on true`,
      [JSON.stringify(changes), name, name],
    );
    const updated = result.filter((row): row is Row & { tenant: string; expected: string } => row.tenant !== null);
    if (Number(result[0]?.expected ?? 0) !== updated.length)
      throw new Unbatchable('an order names a customer that is not in customer_view');
    return announced(rows, [...changed, ...updated], options);
  };
}
