import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProductCreated, ProductEvent, StockReleased, StockReserved } from '../../schema/events/product-events.js';
import { fold } from '../../write-service/domain/decider.js';
import {
  availableQuantity,
  productDecider,
  type ProductCommand,
  type ProductState,
  type ReleaseStock,
  type ReserveStock,
} from '../../write-service/domain/product.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec<ProductCommand, ProductState, ProductEvent>(productDecider);

const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const orderA = 'a0000000-0000-4000-8000-00000000000a';
const orderB = 'b0000000-0000-4000-8000-00000000000b';
const orderC = 'c0000000-0000-4000-8000-00000000000c';
const earlier = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';

const created = (initialStock: number): ProductCreated => ({
  type: 'ProductCreated',
  data: {
    productId,
    sku: 'MUG-001',
    title: 'Enamel mug',
    description: null,
    category: 'kitchen',
    price: '12.50',
    currency: 'USD',
    initialStock,
    createdAt: earlier,
  },
});
const restocked = (quantity: number): ProductEvent => ({ type: 'ProductRestocked', data: { productId, quantity, restockedAt: earlier } });
const discontinued: ProductEvent = { type: 'ProductDiscontinued', data: { productId, discontinuedAt: earlier } };
const reserved = (orderId: string, quantity: number): StockReserved => ({
  type: 'StockReserved',
  data: { productId, orderId, quantity, reservedAt: earlier },
});
const released = (orderId: string, quantity: number): StockReleased => ({
  type: 'StockReleased',
  data: { productId, orderId, quantity, releasedAt: earlier },
});

const reserve = (orderId: string, quantity: number): ReserveStock => ({ type: 'ReserveStock', productId, orderId, quantity, now });
const release = (orderId: string): ReleaseStock => ({ type: 'ReleaseStock', productId, orderId, now });

function available(events: readonly ProductEvent[]): number {
  const state = fold(productDecider, events);
  assert.notEqual(state.status, 'absent');
  return state.status === 'absent' ? Number.NaN : availableQuantity(state);
}

describe('product reservations - reserve', () => {
  it('reserve - holds stock when enough is available, with the command time', () => {
    spec
      .given([created(5)])
      .when(reserve(orderA, 3))
      .then([{ type: 'StockReserved', data: { productId, orderId: orderA, quantity: 3, reservedAt: now } }]);
  });

  it('reserve - may take exactly what is available', () => {
    spec
      .given([created(5), reserved(orderA, 2)])
      .when(reserve(orderB, 3))
      .then([reservedNow(orderB, 3)]);
  });

  it('reserve - more than the stock is out of stock, with the available quantity', () => {
    spec
      .given([created(2)])
      .when(reserve(orderA, 3))
      .thenFails({ reason: 'OutOfStock', productId, available: 2 });
  });

  it('reserve - stock held by other orders is not available: out of stock', () => {
    spec
      .given([created(5), reserved(orderA, 2), reserved(orderB, 3)])
      .when(reserve(orderC, 1))
      .thenFails({ reason: 'OutOfStock', productId, available: 0 });
  });

  it('reserve - a product created without stock is out of stock', () => {
    spec
      .given([created(0)])
      .when(reserve(orderA, 1))
      .thenFails({ reason: 'OutOfStock', productId, available: 0 });
  });

  it('reserve - a discontinued product refuses as discontinued', () => {
    spec
      .given([created(5), discontinued])
      .when(reserve(orderA, 1))
      .thenFails({ reason: 'Discontinued', productId });
  });

  it('reserve - discontinued wins over out of stock', () => {
    spec
      .given([created(0), discontinued])
      .when(reserve(orderA, 1))
      .thenFails({ reason: 'Discontinued', productId });
  });

  it('reserve - an absent product is not found, on productId', () => {
    spec.given([]).when(reserve(orderA, 1)).thenFails({ reason: 'NotFound', entity: 'product', field: 'productId' });
  });

  it('reserve - is idempotent: a second reserve for the same order emits nothing', () => {
    spec
      .given([created(5), reserved(orderA, 3)])
      .when(reserve(orderA, 3))
      .then([]);
  });

  it('reserve - a repeat for an order that already holds stock emits nothing even when the rest is sold out', () => {
    spec
      .given([created(3), reserved(orderA, 3)])
      .when(reserve(orderA, 3))
      .then([]);
  });

  it('reserve - a repeat for an order that holds stock emits nothing after the product is discontinued', () => {
    spec
      .given([created(5), reserved(orderA, 2), discontinued])
      .when(reserve(orderA, 2))
      .then([]);
  });

  it('reserve - stock released by one order can be reserved by another', () => {
    spec
      .given([created(3), reserved(orderA, 3), released(orderA, 3)])
      .when(reserve(orderB, 3))
      .then([reservedNow(orderB, 3)]);
  });
});

describe('product reservations - release', () => {
  it('release - emits StockReleased with the quantity the order holds', () => {
    spec
      .given([created(5), reserved(orderA, 2), reserved(orderB, 1)])
      .when(release(orderA))
      .then([{ type: 'StockReleased', data: { productId, orderId: orderA, quantity: 2, releasedAt: now } }]);
  });

  it('release - emits nothing when the order holds nothing', () => {
    spec
      .given([created(5), reserved(orderB, 1)])
      .when(release(orderA))
      .then([]);
  });

  it('release - a second release emits nothing', () => {
    spec
      .given([created(5), reserved(orderA, 2), released(orderA, 2)])
      .when(release(orderA))
      .then([]);
  });

  it('release - allowed on a discontinued product', () => {
    spec
      .given([created(5), reserved(orderA, 2), discontinued])
      .when(release(orderA))
      .then([{ type: 'StockReleased', data: { productId, orderId: orderA, quantity: 2, releasedAt: now } }]);
  });

  it('release - emits nothing on an absent product', () => {
    spec.given([]).when(release(orderA)).then([]);
  });
});

describe('product reservations - availability', () => {
  it('availability - received minus what live orders hold', () => {
    assert.equal(available([created(5)]), 5);
    assert.equal(available([created(5), restocked(3)]), 8);
    assert.equal(available([created(5), restocked(3), reserved(orderA, 2)]), 6);
    assert.equal(available([created(5), restocked(3), reserved(orderA, 2), reserved(orderB, 4)]), 2);
    assert.equal(available([created(5), restocked(3), reserved(orderA, 2), reserved(orderB, 4), released(orderA, 2)]), 4);
    assert.equal(
      available([created(5), restocked(3), reserved(orderA, 2), reserved(orderB, 4), released(orderA, 2), released(orderB, 4)]),
      8,
    );
  });

  it('availability - a restock makes a refused reservation possible', () => {
    const history = [created(1), reserved(orderA, 1)];
    spec.given(history).when(reserve(orderB, 2)).thenFails({ reason: 'OutOfStock', productId, available: 0 });
    spec
      .given([...history, restocked(2)])
      .when(reserve(orderB, 2))
      .then([reservedNow(orderB, 2)]);
  });

  it('availability - never negative, whatever order the reservations come in', () => {
    let history: ProductEvent[] = [created(10)];
    let confirmed = 0;
    for (let index = 0; index < 50; index += 1) {
      const orderId = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
      try {
        history = [...history, ...productDecider.decide(reserve(orderId, 1), fold(productDecider, history))];
        confirmed += 1;
      } catch {
        // refused: out of stock
      }
    }
    assert.equal(confirmed, 10);
    assert.equal(available(history), 0);
  });

  it('availability - a repeated StockReserved for one order holds its quantity once', () => {
    assert.equal(available([created(5), reserved(orderA, 2), reserved(orderA, 2)]), 3);
  });
});

function reservedNow(orderId: string, quantity: number): StockReserved {
  return { type: 'StockReserved', data: { productId, orderId, quantity, reservedAt: now } };
}
