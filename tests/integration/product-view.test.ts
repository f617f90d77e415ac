import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { productQuery } from '../../read-service/queries/product-queries.js';
import { review, stock } from '../support/commerce-events.js';
import { commerceProjections } from '../support/commerce-projections.js';
import { created, productEnvelope } from '../support/events.js';
import { waitFor } from '../support/wait.js';

describe('commerce projections', () => {
  const { subjects, publish, listen, ask } = commerceProjections();

  it('product view - available quantity after reservations and releases, rating after reviews, announced with a higher version', async () => {
    const tenant = `t-${randomUUID()}`;
    const productId = randomUUID();
    const notices = listen(subjects.view(tenant, 'product', productId));
    try {
      await publish([
        productEnvelope(tenant, productId, 1, created(productId, 10)),
        stock(tenant, productId, 2, 'StockReserved', 4),
        stock(tenant, productId, 3, 'StockReserved', 6),
        stock(tenant, productId, 4, 'StockReleased', 4),
        review(tenant, productId, 5),
        review(tenant, productId, 4),
        review(tenant, productId, 4),
      ]);
      const view = await ask(productQuery, tenant, { id: productId });
      assert.equal(view?.availableQuantity, 4);
      assert.equal(view?.inStock, true);
      assert.equal(view?.version, 4, 'reviews leave the Product aggregate version alone');
      assert.equal(view?.reviewCount, 3);
      assert.equal(view?.averageRating, 4.333);
      assert.equal((view as { revision?: number } | null)?.revision, 7);

      await waitFor(() => notices.changes.length === 7, { what: 'seven product notices' });
      assert.deepEqual(
        notices.changes.map((c) => c.version),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { version: number }).version),
        [1, 2, 3, 4, 4, 4, 4],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { availableQuantity: number }).availableQuantity),
        [10, 6, 0, 4, 4, 4, 4],
      );
      assert.deepEqual(
        notices.changes.map((c) => (c.data as { reviewCount: number }).reviewCount),
        [0, 0, 0, 0, 1, 2, 3],
      );
    } finally {
      notices.sub.unsubscribe();
    }
  });
});
