import type { EntityManager } from '@mikro-orm/postgresql';
import type { CustomerEvent } from '../../schema/events/customer-events.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { OrderEvent } from '../../schema/events/order-events.js';
import { servedAsInt } from '../../schema/limits.js';
import { CUSTOMER_VIEW, type CustomerView } from '../../schema/views/commerce-views.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { claim } from './applied-versions.js';
import { customerViewBatch } from './customer-view-batch.js';
import type { Projection } from './projection.js';

const NAME = 'customer_view';

/** Columns of customer_view in the order `toCustomerView` reads them. */
export const CUSTOMER_VIEW_COLUMNS = 'id, name, email, region, orders_count, total_spent, last_order_at, version, revision';

export interface CustomerViewRow {
  id: string;
  name: string;
  email: string;
  region: string;
  /** bigint: pg hands it over as a string. */
  orders_count: number | string;
  total_spent: string;
  last_order_at: Date | string | null;
  version: number;
  /** bigint: pg hands it over as a string. */
  revision: number | string;
}

export function toCustomerView(row: CustomerViewRow): CustomerView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    region: row.region,
    ordersCount: servedAsInt(row.orders_count),
    totalSpent: row.total_spent,
    lastOrderAt: row.last_order_at === null ? null : new Date(row.last_order_at).toISOString(),
    version: row.version,
    revision: Number(row.revision),
  };
}

/**
 * Customer events (single-stream, guarded by the row's version) and the Order events that move a
 * customer's figures (multi-stream, guarded per order by `claim`) into customer_view. Money is
 * added in SQL numeric.
 */
export const customerViewProjection: Projection = {
  name: NAME,
  tables: ['customer_view'],
  eventTypes: new Set(['CustomerRegistered', 'OrderPlaced', 'OrderPaid', 'OrderCancelled']),
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    let rows: CustomerViewRow[];
    if (envelope.aggregateType === 'Customer') rows = await applyCustomer(tx, envelope as EventEnvelope & CustomerEvent);
    else if (envelope.aggregateType === 'Order') rows = await applyOrder(tx, envelope as EventEnvelope & OrderEvent);
    else return [];
    return rows.map((row) => customerChange(envelope.tenant, row));
  },
  applyBatch: customerViewBatch<CustomerViewRow>(NAME, {
    columns: CUSTOMER_VIEW_COLUMNS,
    change: (row) => customerChange(row.tenant, row),
  }),
};

function customerChange(tenant: string, row: CustomerViewRow): Omit<ViewChange, 'position'> {
  return { tenant, view: CUSTOMER_VIEW, key: row.id, version: Number(row.revision), data: toCustomerView(row) };
}

async function applyCustomer(tx: EntityManager, event: EventEnvelope & CustomerEvent): Promise<CustomerViewRow[]> {
  switch (event.type) {
    case 'CustomerRegistered': {
      const d = event.data;
      return tx.execute<CustomerViewRow[]>(
        `insert into customer_view (tenant, id, name, email, region, version, revision, registered_at)
         values (?, ?, ?, ?, ?, ?, 1, ?)
         on conflict (tenant, id) do nothing returning ${CUSTOMER_VIEW_COLUMNS}`,
        [event.tenant, d.customerId, d.name, d.email, d.region, event.version, d.registeredAt],
      );
    }
    default:
      return [];
  }
}

async function applyOrder(tx: EntityManager, event: EventEnvelope & OrderEvent): Promise<CustomerViewRow[]> {
  switch (event.type) {
    case 'OrderPlaced':
      return change(
        tx,
        event,
        event.data.customerId,
        'orders_count = orders_count + 1, last_order_at = greatest(last_order_at, ?::timestamptz)',
        [event.data.placedAt],
      );
    case 'OrderPaid':
      return change(tx, event, event.data.customerId, 'total_spent = total_spent + ?::numeric', [event.data.amount]);
    case 'OrderCancelled':
      if (event.data.previousStatus !== 'PAID') return [];
      return change(tx, event, event.data.customerId, 'total_spent = total_spent - ?::numeric', [event.data.total]);
    default:
      return [];
  }
}

async function change(
  tx: EntityManager,
  event: EventEnvelope,
  customerId: string,
  assignments: string,
  params: unknown[],
): Promise<CustomerViewRow[]> {
  if (!(await claim(tx, NAME, event))) return [];
  const rows = await tx.execute<CustomerViewRow[]>(
    `update customer_view set ${assignments}, revision = revision + 1
      where tenant = ? and id = ? returning ${CUSTOMER_VIEW_COLUMNS}`,
    [...params, event.tenant, customerId],
  );
  // Orders are only placed for registered customers, registered earlier in the stream: a miss is
  // a bug to surface (dead letter), not a figure to drop.
  if (rows.length === 0) throw new Error(`${event.type} ${event.eventId}: customer ${customerId} is not in customer_view`);
  return rows;
}
