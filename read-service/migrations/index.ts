import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126000101ProjectionRuntime } from './Migration20261126000101_projection_runtime.js';
import { Migration20261126000102ProductView } from './Migration20261126000102_product_view.js';
import { Migration20261126000103CommerceViews } from './Migration20261126000103_commerce_views.js';
import { Migration20261130000104ValueRanges } from './Migration20261130000104_value_ranges.js';
import { Migration20261130000105DeadLettersDiscarded } from './Migration20261130000105_dead_letters_discarded.js';
import { Migration20261201000106WishlistView } from './Migration20261201000106_wishlist_view.js';
import { Migration20261201000107ProductCurrency } from './Migration20261201000107_product_currency.js';

/** Read database migrations, in order. */
export const readMigrations: MigrationObject[] = [
  { name: 'Migration20261126000101_projection_runtime', class: Migration20261126000101ProjectionRuntime },
  { name: 'Migration20261126000102_product_view', class: Migration20261126000102ProductView },
  { name: 'Migration20261126000103_commerce_views', class: Migration20261126000103CommerceViews },
  { name: 'Migration20261130000104_value_ranges', class: Migration20261130000104ValueRanges },
  { name: 'Migration20261130000105_dead_letters_discarded', class: Migration20261130000105DeadLettersDiscarded },
  { name: 'Migration20261201000106_wishlist_view', class: Migration20261201000106WishlistView },
  { name: 'Migration20261201000107_product_currency', class: Migration20261201000107ProductCurrency },
];
