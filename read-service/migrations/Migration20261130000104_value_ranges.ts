import { Migration } from '@mikro-orm/migrations';

/**
 * Columns wide enough for every value the write side accepts (schema/limits.ts; docs/decisions.md,
 * "Value ranges and column types are one decision"): money becomes numeric(38, 2) everywhere (an
 * order total has up to 16 integer digits, and sums of them need more), and counts without a bound
 * in the domain (orders per customer, per region and day; reviews per product), with the
 * revisions of the rows they change, become bigint. Stock and units sold stay integer: the
 * Product aggregate caps what a product receives below the GraphQL Int bound.
 *
 * In place, keeping every row: a numeric's precision grows without rewriting the table; integer
 * to bigint rewrites product_view, customer_view and regional_sales under an exclusive lock.
 */
export class Migration20261130000104ValueRanges extends Migration {
  override up(): void {
    this.addSql(`alter table product_view
      alter column price type numeric(38, 2),
      alter column review_count type bigint,
      alter column rating_sum type bigint,
      alter column revision type bigint`);
    this.addSql('alter table order_view alter column total type numeric(38, 2)');
    this.addSql(`alter table customer_view
      alter column orders_count type bigint,
      alter column total_spent type numeric(38, 2),
      alter column revision type bigint`);
    this.addSql(`alter table regional_sales
      alter column orders_count type bigint,
      alter column revenue type numeric(38, 2),
      alter column version type bigint`);
    this.addSql('alter table top_products alter column revenue type numeric(38, 2)');
  }

  /** Back to the narrow types: fails, changing nothing, when a row no longer fits them. */
  override down(): void {
    this.addSql('alter table top_products alter column revenue type numeric(14, 2)');
    this.addSql(`alter table regional_sales
      alter column orders_count type integer,
      alter column revenue type numeric(14, 2),
      alter column version type integer`);
    this.addSql(`alter table customer_view
      alter column orders_count type integer,
      alter column total_spent type numeric(14, 2),
      alter column revision type integer`);
    this.addSql('alter table order_view alter column total type numeric(14, 2)');
    this.addSql(`alter table product_view
      alter column price type numeric(12, 2),
      alter column review_count type integer,
      alter column rating_sum type integer,
      alter column revision type integer`);
  }
}
