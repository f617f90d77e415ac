import { type WishlistEvent, type EventEnvelope, PROJECTIONS } from '../../schema/index.js';
import type { ReadModel } from './read-model.js';

const NAME = PROJECTIONS.wishlist;

/** What an event does to a customer's wishlist_view row: a product put first on the list, or taken off it. */
interface Change {
  tenant: string;
  customer_id: string;
  version: number;
  product_id: string;
  /** When added; null when removed. */
  added_at: string | null;
}

/**
 * Wishlist events into wishlist_view, one row per customer with its items (newest first) as
 * jsonb. Single-stream: a change applies only above the row's version (G3). Dashboards read it
 * by query; it announces no changes. Event by event only: wishlists change one click at a time.
 */
export const wishlistView: ReadModel<Change> = {
  name: NAME,
  tables: ['wishlist_view'],
  eventTypes: new Set(['WishlistItemAdded', 'WishlistItemRemoved']),

  toChanges(envelope) {
    const event = envelope as EventEnvelope & WishlistEvent;
    const { tenant, version } = event;
    const { customerId: customer_id, productId: product_id } = event.data;
    return [{ tenant, customer_id, version, product_id, added_at: event.type === 'WishlistItemAdded' ? event.data.addedAt : null }];
  },

  async writeOne(tx, c) {
    // The row's items become: the added item (if any), then every item kept but this product.
    await tx.execute(
      `insert into wishlist_view as w (tenant, customer_id, items, version)
       values (?, ?, case when ?::text is null then '[]'::jsonb
                          else jsonb_build_array(jsonb_build_object('productId', ?::text, 'addedAt', ?::text)) end, ?)
       on conflict (tenant, customer_id) do update
          set items = excluded.items || (select coalesce(jsonb_agg(item order by n), '[]'::jsonb)
                                           from jsonb_array_elements(w.items) with ordinality as kept(item, n)
                                          where item->>'productId' <> ?),
              version = excluded.version
        where w.version < excluded.version`,
      [c.tenant, c.customer_id, c.added_at, c.product_id, c.added_at, c.version, c.product_id],
    );
    return [];
  },
};
