import { type EventEnvelope, type OrderEvent, CUSTOMER_VIEW, PROJECTIONS } from '../../schema/index.js';
import { CUSTOMER_VIEW_COLUMNS, toCustomerView, type CustomerViewRow } from '../queries/customer-queries.js';
import { sourceOf, type ReadModel, type RowChange, type Source } from './read-model.js';
import { CLAIMED_IN_BATCH, claim, lastPerRow, money, refuseChangeBeforeCreation, returning, Unbatchable } from './row-sql.js';

const NAME = PROJECTIONS.customer;

/** What an event does to a customer_view row (`id`): a registration creates it, an order moves its figures. */
type Change =
  | { kind: 'register'; tenant: string; id: string; version: number; name: string; email: string; region: string; registered_at: string }
  | ({ kind: 'order'; id: string; orders: number; placed_at: string | null; spent: string } & Source);

/**
 * Customer events (single-stream, guarded by the row's version) and the order events that move a
 * customer's figures (multi-stream, guarded per order by `claim`) into customer_view. Money is
 * added in SQL numeric. Orders are only placed by registered customers, so one whose customer is
 * missing is a bug to surface (a dead letter), not a figure to drop.
 */
export const customerView: ReadModel<Change> = {
  name: NAME,
  tables: ['customer_view'],
  eventTypes: new Set(['CustomerRegistered', 'OrderPlaced', 'OrderPaid', 'OrderCancelled']),

  toChanges(event) {
    if (event.aggregateType === 'Customer' && event.type === 'CustomerRegistered') {
      const d = event.data as { customerId: string; name: string; email: string; region: string; registeredAt: string };
      const { tenant, version } = event;
      return [
        {
          kind: 'register',
          tenant,
          id: d.customerId,
          version,
          name: d.name,
          email: d.email,
          region: d.region,
          registered_at: d.registeredAt,
        },
      ];
    }
    if (event.aggregateType !== 'Order') return [];
    const order = event as EventEnvelope & OrderEvent;
    const figures = (orders: number, placedAt: string | null, spent: string): Change[] => [
      { kind: 'order', ...sourceOf(event), id: (order.data as { customerId: string }).customerId, orders, placed_at: placedAt, spent },
    ];
    switch (order.type) {
      case 'OrderPlaced':
        return figures(1, order.data.placedAt, '0');
      case 'OrderPaid':
        return figures(0, null, order.data.amount);
      case 'OrderCancelled':
        return order.data.previousStatus === 'PAID' ? figures(0, null, `-${order.data.total}`) : [];
      default:
        return [];
    }
  },

  async writeOne(tx, c) {
    if (c.kind === 'register') {
      const rows = await tx.execute<CustomerViewRow[]>(
        `insert into customer_view (tenant, id, name, email, region, version, revision, registered_at)
         values (?, ?, ?, ?, ?, ?, 1, ?) on conflict (tenant, id) do nothing returning ${CUSTOMER_VIEW_COLUMNS}`,
        [c.tenant, c.id, c.name, c.email, c.region, c.version, c.registered_at],
      );
      return rows.map((row) => announce(c.tenant, row));
    }
    if (!(await claim(tx, NAME, c))) return [];
    const rows = await tx.execute<CustomerViewRow[]>(
      `update customer_view set orders_count = orders_count + ?, last_order_at = greatest(last_order_at, ?::timestamptz),
          total_spent = total_spent + ?::numeric, revision = revision + 1
        where tenant = ? and id = ? returning ${CUSTOMER_VIEW_COLUMNS}`,
      [c.orders, c.placed_at, c.spent, c.tenant, c.id],
    );
    if (rows.length === 0) throw new Error(`order ${c.stream_id} v${c.version}: customer ${c.id} is not in customer_view`);
    return rows.map((row) => announce(c.tenant, row));
  },

  // Registrations first; then the order changes `claim` would accept move their customers'
  // figures (amounts of at most two decimals, so that the sum is what change by change gives).
  async writeRun(tx, changes, announced) {
    const registrations = changes.filter((c) => c.kind === 'register');
    const orders = changes.filter((c) => c.kind === 'order');
    orders.forEach((c) => money(c.spent));
    await refuseChangeBeforeCreation(tx, 'customer_view', registrations, orders);
    const rows: (CustomerViewRow & { tenant: string })[] = [];
    if (registrations.length > 0)
      rows.push(
        ...(await tx.execute<(CustomerViewRow & { tenant: string })[]>(
          `insert into customer_view (tenant, id, name, email, region, version, revision, registered_at)
         select tenant, id, name, email, region, version, 1, registered_at
           from json_to_recordset(?::json) as e(ord integer, tenant text, id uuid, name text, email text, region text, version integer, registered_at timestamptz)
          order by ord
         on conflict (tenant, id) do nothing returning ${returning(CUSTOMER_VIEW_COLUMNS, announced)}`,
          [JSON.stringify(registrations)],
        )),
      );
    if (orders.length > 0) {
      const result = await tx.execute<(CustomerViewRow & { tenant: string | null; expected: string })[]>(
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
           returning ${returning(CUSTOMER_VIEW_COLUMNS, announced, 'c')}
         )
         select x.expected, u.* from (select count(*) as expected from per_row) x left join updated u on true`,
        [JSON.stringify(orders), NAME, NAME],
      );
      const updated = result.filter((row): row is CustomerViewRow & { tenant: string; expected: string } => row.tenant !== null);
      if (Number(result[0]?.expected ?? 0) !== updated.length)
        throw new Unbatchable('an order names a customer that is not in customer_view');
      rows.push(...updated);
    }
    return announced ? lastPerRow(rows.map((row) => announce(row.tenant, row))) : [];
  },
};

function announce(tenant: string, row: CustomerViewRow): RowChange {
  return { tenant, view: CUSTOMER_VIEW, key: row.id, version: Number(row.revision), data: toCustomerView(row) };
}
