import { Migration } from '@mikro-orm/migrations';

/** The currency of a product's price (ProductCreated v2). Rows from before it were all in USD, as v1 events upcast. */
export class Migration20261201000107ProductCurrency extends Migration {
  override up(): void {
    this.addSql(`alter table product_view add column currency text not null default 'USD'`);
  }

  override down(): void {
    this.addSql('alter table product_view drop column if exists currency');
  }
}
