import { Migration } from '@mikro-orm/migrations';

/** The product view: one row per product, shaped for the catalog screens, searchable. */
export class Migration20261126000102ProductView extends Migration {
  override up(): void {
    this.addSql(`
      create table product_view (
        tenant text not null,
        id uuid not null,
        sku text not null,
        title text not null,
        description text,
        category text not null,
        price numeric(12, 2) not null,
        available_quantity integer not null,
        average_rating numeric(4, 3),
        review_count integer not null default 0,
        discontinued boolean not null default false,
        version integer not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        search tsvector generated always as (
          setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')
        ) stored,
        primary key (tenant, id)
      )`);
    this.addSql('create index product_view_category on product_view (tenant, category)');
    this.addSql('create index product_view_price on product_view (tenant, price, id)');
    this.addSql('create index product_view_title on product_view (tenant, lower(title), id)');
    this.addSql('create index product_view_newest on product_view (tenant, created_at desc, id)');
    this.addSql('create index product_view_search on product_view using gin (search)');
  }

  override down(): void {
    this.addSql('drop table if exists product_view');
  }
}
