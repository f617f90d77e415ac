import { AppError } from '../../schema/errors.js';
import { requireUuid } from '../../schema/validation.js';
import { CUSTOMER_VIEW_COLUMNS, customerViewProjection, toCustomerView, type CustomerViewRow } from '../projections/customer-view.js';
import type { CustomerView } from '../../schema/views/commerce-views.js';
import type { QueryDefinition } from './query-definition.js';

const READS = [customerViewProjection.name];

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
