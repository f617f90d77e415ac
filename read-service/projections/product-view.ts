import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { PRODUCT_EVENT_TYPES, type ProductEvent } from '../../schema/events/product-events.js';
import { servedAsInt } from '../../schema/limits.js';
import type { ReviewEvent } from '../../schema/events/review-events.js';
import { PRODUCT_VIEW, type ProductView } from '../../schema/views/product-view.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { claim } from './applied-versions.js';
import { productViewBatch } from './product-view-batch.js';
import type { Projection } from './projection.js';

const NAME = 'product_view';

/** Columns of product_view in the order `toProductView` reads them. */
export const PRODUCT_VIEW_COLUMNS =
  'id, sku, title, description, category, price, available_quantity, average_rating, review_count, discontinued, version, revision, updated_at';

export interface ProductViewRow {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  price: string;
  available_quantity: number;
  average_rating: string | null;
  /** bigint: pg hands it over as a string. */
  review_count: number | string;
  discontinued: boolean;
  version: number;
  /** bigint: pg hands it over as a string. */
  revision: number | string;
  updated_at: Date | string;
}

export function toProductView(row: ProductViewRow): ProductView {
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    category: row.category,
    price: row.price,
    availableQuantity: row.available_quantity,
    inStock: row.available_quantity > 0 && !row.discontinued,
    averageRating: row.average_rating === null ? null : Number(row.average_rating),
    reviewCount: servedAsInt(row.review_count),
    discontinued: row.discontinued,
    version: row.version,
    revision: Number(row.revision),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/**
 * Product events into product_view, single-stream: an event applies only when its version is
 * above the row's, so duplicates and redeliveries change nothing (G3). Reviews are another
 * aggregate: guarded per review stream by `claim`, they leave the product's version alone.
 */
export const productViewProjection: Projection = {
  name: NAME,
  tables: ['product_view'],
  eventTypes: new Set([...PRODUCT_EVENT_TYPES, 'ReviewAdded']),
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    let rows: ProductViewRow[];
    if (envelope.aggregateType === 'Review') rows = await applyReview(tx, envelope as EventEnvelope & ReviewEvent);
    else if (envelope.aggregateType === 'Product') rows = await applyProduct(tx, envelope as EventEnvelope & ProductEvent);
    else return [];
    return rows.map((row) => productChange(envelope.tenant, row));
  },
  applyBatch: productViewBatch<ProductViewRow>(NAME, { columns: PRODUCT_VIEW_COLUMNS, change: (row) => productChange(row.tenant, row) }),
};

function productChange(tenant: string, row: ProductViewRow): Omit<ViewChange, 'position'> {
  return { tenant, view: PRODUCT_VIEW, key: row.id, version: Number(row.revision), data: toProductView(row) };
}

async function applyProduct(tx: EntityManager, event: EventEnvelope & ProductEvent): Promise<ProductViewRow[]> {
  const { tenant, version, occurredAt } = event;
  switch (event.type) {
    case 'ProductCreated': {
      const d = event.data;
      return tx.execute<ProductViewRow[]>(
        `insert into product_view (tenant, id, sku, title, description, category, price, available_quantity, version, revision, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
         on conflict (tenant, id) do nothing returning ${PRODUCT_VIEW_COLUMNS}`,
        [tenant, d.productId, d.sku, d.title, d.description, d.category, d.price, d.initialStock, version, d.createdAt, occurredAt],
      );
    }
    case 'ProductRenamed':
      return update(tx, event, 'title = ?', [event.data.title]);
    case 'ProductPriceChanged':
      return update(tx, event, 'price = ?', [event.data.price]);
    case 'ProductRestocked':
      return update(tx, event, 'available_quantity = available_quantity + ?', [event.data.quantity]);
    case 'ProductDiscontinued':
      return update(tx, event, 'discontinued = true', []);
    case 'StockReserved':
      return update(tx, event, 'available_quantity = available_quantity - ?', [event.data.quantity]);
    case 'StockReleased':
      return update(tx, event, 'available_quantity = available_quantity + ?', [event.data.quantity]);
    default:
      return [];
  }
}

function update(tx: EntityManager, event: EventEnvelope, assignments: string, params: unknown[]): Promise<ProductViewRow[]> {
  return tx.execute<ProductViewRow[]>(
    `update product_view set ${assignments}, version = ?, revision = revision + 1, updated_at = ?
      where tenant = ? and id = ? and version < ? returning ${PRODUCT_VIEW_COLUMNS}`,
    [...params, event.version, event.occurredAt, event.tenant, event.aggregateId, event.version],
  );
}

/** A review moves the product's rating; the average is computed in SQL from the exact sum. */
async function applyReview(tx: EntityManager, event: EventEnvelope & ReviewEvent): Promise<ProductViewRow[]> {
  if (event.type !== 'ReviewAdded') return [];
  if (!(await claim(tx, NAME, event))) return [];
  const { productId, rating, addedAt } = event.data;
  const rows = await tx.execute<ProductViewRow[]>(
    `update product_view set rating_sum = rating_sum + ?, review_count = review_count + 1,
        average_rating = round((rating_sum + ?)::numeric / (review_count + 1), 3),
        revision = revision + 1, updated_at = greatest(updated_at, ?::timestamptz)
      where tenant = ? and id = ? returning ${PRODUCT_VIEW_COLUMNS}`,
    [rating, rating, addedAt, event.tenant, productId],
  );
  // Reviews are only accepted for existing products, whose creation is earlier in the stream:
  // a miss is a bug to surface (dead letter), not a review to drop.
  if (rows.length === 0) throw new Error(`ReviewAdded ${event.eventId}: product ${productId} is not in product_view`);
  return rows;
}
