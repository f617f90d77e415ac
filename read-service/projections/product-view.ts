import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import { PRODUCT_VIEW, type ProductView } from '../../schema/views/product-view.js';
import type { Projection } from './projection.js';

/** Columns of product_view in the order `toProductView` reads them. */
export const PRODUCT_VIEW_COLUMNS =
  'id, sku, title, description, category, price, available_quantity, average_rating, review_count, discontinued, version, updated_at';

export interface ProductViewRow {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  price: string;
  available_quantity: number;
  average_rating: string | null;
  review_count: number;
  discontinued: boolean;
  version: number;
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
    reviewCount: row.review_count,
    discontinued: row.discontinued,
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/**
 * Single-stream projection of Product events into product_view. An event applies only when
 * its version is above the row's, so duplicates and redeliveries change nothing (G3).
 */
export const productViewProjection: Projection = {
  name: 'product_view',
  tables: ['product_view'],
  async apply(envelope: EventEnvelope, tx: EntityManager) {
    if (envelope.aggregateType !== 'Product') return [];
    const event = envelope as EventEnvelope & ProductEvent;
    const { tenant, version, occurredAt } = envelope;
    let rows: ProductViewRow[];
    switch (event.type) {
      case 'ProductCreated': {
        const d = event.data;
        rows = await tx.execute<ProductViewRow[]>(
          `insert into product_view (tenant, id, sku, title, description, category, price, available_quantity, version, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (tenant, id) do nothing returning ${PRODUCT_VIEW_COLUMNS}`,
          [tenant, d.productId, d.sku, d.title, d.description, d.category, d.price, d.initialStock, version, d.createdAt, occurredAt],
        );
        break;
      }
      case 'ProductRenamed':
        rows = await update(tx, envelope, 'title = ?', [event.data.title]);
        break;
      case 'ProductPriceChanged':
        rows = await update(tx, envelope, 'price = ?', [event.data.price]);
        break;
      case 'ProductRestocked':
        rows = await update(tx, envelope, 'available_quantity = available_quantity + ?', [event.data.quantity]);
        break;
      case 'ProductDiscontinued':
        rows = await update(tx, envelope, 'discontinued = true', []);
        break;
      default:
        return [];
    }
    return rows.map((row) => ({ tenant, view: PRODUCT_VIEW, key: row.id, version: row.version, data: toProductView(row) }));
  },
};

function update(tx: EntityManager, event: EventEnvelope, assignments: string, params: unknown[]): Promise<ProductViewRow[]> {
  return tx.execute<ProductViewRow[]>(
    `update product_view set ${assignments}, version = ?, updated_at = ?
      where tenant = ? and id = ? and version < ? returning ${PRODUCT_VIEW_COLUMNS}`,
    [...params, event.version, event.occurredAt, event.tenant, event.aggregateId, event.version],
  );
}
