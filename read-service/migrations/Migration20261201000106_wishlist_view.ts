import { Migration } from '@mikro-orm/migrations';

/** One row per customer with a wishlist: its items (newest first) and the Wishlist aggregate's version. */
export class Migration20261201000106WishlistView extends Migration {
  override up(): void {
    this.addSql(`create table wishlist_view (
      tenant text not null,
      customer_id uuid not null,
      items jsonb not null,
      version integer not null,
      primary key (tenant, customer_id)
    )`);
  }

  override down(): void {
    this.addSql('drop table if exists wishlist_view');
  }
}
