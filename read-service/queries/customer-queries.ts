import { AppError, requireUuid, servedAsInt, PROJECTIONS, type CustomerView } from '../../schema/index.js';
import type { QueryDefinition } from './query-definition.js';

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

const READS = [PROJECTIONS.customer];

export const customerQuery: QueryDefinition<{ id: unknown }, CustomerView | null> = {
  name: 'customer',
  reads: READS,
  async handle(args, { tenant, em }) {
    const id = requireUuid(args.id, 'id');
    const rows = await em.execute<CustomerViewRow[]>(`select ${CUSTOMER_VIEW_COLUMNS} from customer_view where tenant = ? and id = ?`, [
      tenant,
      id,
    ]);
    return rows[0] ? toCustomerView(rows[0]) : null;
  },
};

/** The batch behind the gateway's customer DataLoader: one request, answers in the order asked. */
export const customersByIdsQuery: QueryDefinition<{ ids: unknown }, (CustomerView | null)[]> = {
  name: 'customersByIds',
  reads: READS,
  async handle(args, { tenant, em }) {
    if (!Array.isArray(args.ids) || args.ids.length > 1000) throw AppError.badInput('ids', 'ids must be a list of at most 1000 ids');
    const ids = args.ids.map((id) => requireUuid(id, 'ids'));
    if (ids.length === 0) return [];
    const rows = await em.execute<CustomerViewRow[]>(
      `select ${CUSTOMER_VIEW_COLUMNS} from customer_view where tenant = ? and id = any(array[?]::uuid[])`,
      [tenant, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toCustomerView(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  },
};
