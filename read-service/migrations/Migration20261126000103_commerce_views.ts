import { Migration } from '@mikro-orm/migrations';

/**
 * The commerce read models: orders, customers, regional daily sales, top products; the guard of
 * multi-stream projections (last version applied per source aggregate); and what product_view
 * needs for reviews and change notices.
 */
export class Migration20261126000103CommerceViews extends Migration {
  override up(): void {
    this.addSql(`
      create table projection_applied_versions (
        projection text not null,
        tenant text not null,
        stream_type text not null,
        stream_id text not null,
        version integer not null,
        primary key (projection, tenant, stream_type, stream_id)
      )`);

    this.addSql(`
      create table order_view (
        tenant text not null,
        id uuid not null,
        customer_id uuid not null,
        status text not null,
        lines jsonb not null,
        total numeric(14, 2) not null,
        region text not null,
        reason text,
        placed_at timestamptz not null,
        updated_at timestamptz not null,
        timeline jsonb not null,
        version integer not null,
        primary key (tenant, id)
      )`);
    this.addSql('create index order_view_newest on order_view (tenant, placed_at desc, id desc)');
    this.addSql('create index order_view_by_customer on order_view (tenant, customer_id, placed_at desc, id desc)');
    this.addSql('create index order_view_by_status on order_view (tenant, status, placed_at desc, id desc)');

    this.addSql(`
      create table customer_view (
        tenant text not null,
        id uuid not null,
        name text not null,
        email text not null,
        region text not null,
        orders_count integer not null default 0,
        total_spent numeric(14, 2) not null default 0,
        last_order_at timestamptz,
        version integer not null,
        revision integer not null,
        registered_at timestamptz not null,
        primary key (tenant, id)
      )`);

    this.addSql(`
      create table regional_sales (
        tenant text not null,
        region text not null,
        day date not null,
        orders_count integer not null,
        revenue numeric(14, 2) not null,
        version integer not null,
        primary key (tenant, region, day)
      )`);
    this.addSql('create index regional_sales_by_day on regional_sales (tenant, day, region)');

    this.addSql(`
      create table top_products (
        tenant text not null,
        product_id uuid not null,
        units_sold integer not null,
        revenue numeric(14, 2) not null,
        primary key (tenant, product_id)
      )`);
    this.addSql('create index top_products_rank on top_products (tenant, units_sold desc, revenue desc, product_id)');

    // Reviews: the average is kept exact from the sum. Revision: bumped by every change of the
    // row (a review changes the view but not the Product aggregate's version).
    this.addSql('alter table product_view add column rating_sum integer not null default 0');
    this.addSql('alter table product_view add column revision integer not null default 0');
    this.addSql('update product_view set revision = version');
  }

  override down(): void {
    this.addSql('alter table product_view drop column if exists revision');
    this.addSql('alter table product_view drop column if exists rating_sum');
    this.addSql('drop table if exists top_products');
    this.addSql('drop table if exists regional_sales');
    this.addSql('drop table if exists customer_view');
    this.addSql('drop table if exists order_view');
    this.addSql('drop table if exists projection_applied_versions');
  }
}
