import { requireUuid, PROJECTIONS, type WishlistItemView, type WishlistView } from '../../schema/index.js';
import type { QueryDefinition } from './query-definition.js';

/** A customer's wishlist; an empty one (version 0) when the customer never added anything. */
export const wishlistQuery: QueryDefinition<{ customerId: unknown }, WishlistView> = {
  name: 'wishlist',
  reads: [PROJECTIONS.wishlist],
  async handle(args, { tenant, em }) {
    const customerId = requireUuid(args.customerId, 'customerId');
    const [row] = await em.execute<{ items: WishlistItemView[]; version: number }[]>(
      'select items, version from wishlist_view where tenant = ? and customer_id = ?',
      [tenant, customerId],
    );
    return { customerId, items: row?.items ?? [], version: row?.version ?? 0 };
  },
};
