import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProductCreatedV1 } from '../../schema/events/product-created-v1.js';
import type { ProductCreated, ProductDiscontinued, ProductEvent } from '../../schema/events/product-events.js';
import { upcast } from '../../schema/events/upcasters.js';
import { MAX_PRODUCT_STOCK } from '../../schema/limits.js';
import { fold } from '../../write-service/domain/decider.js';
import { availableQuantity, productDecider, type ProductCommand } from '../../write-service/domain/product.js';
import { deciderSpec } from '../support/decider-spec.js';

const spec = deciderSpec<ProductCommand, ReturnType<typeof productDecider.initialState>, ProductEvent>(productDecider);

const productId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const createdAt = '2026-11-26T10:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';

const created: ProductCreated = {
  type: 'ProductCreated',
  data: {
    productId,
    sku: 'MUG-001',
    title: 'Enamel mug',
    description: null,
    category: 'kitchen',
    price: '12.50',
    currency: 'USD',
    initialStock: 5,
    createdAt,
  },
};
const discontinued: ProductDiscontinued = { type: 'ProductDiscontinued', data: { productId, discontinuedAt: createdAt } };

/** One of each command that targets an existing product. */
const onExisting: ProductCommand[] = [
  { type: 'RenameProduct', productId, title: 'Steel mug', now },
  { type: 'ChangeProductPrice', productId, price: '14.00', now },
  { type: 'RestockProduct', productId, quantity: 3, now },
  { type: 'DiscontinueProduct', productId, now },
];

describe('product decider - create', () => {
  it('create - emits ProductCreated with the command time', () => {
    spec
      .given([])
      .when({
        type: 'CreateProduct',
        productId,
        sku: 'MUG-001',
        title: 'Enamel mug',
        description: 'Sturdy',
        category: 'kitchen',
        price: '12.50',
        currency: 'EUR',
        initialStock: 25,
        now,
      })
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            sku: 'MUG-001',
            title: 'Enamel mug',
            description: 'Sturdy',
            category: 'kitchen',
            price: '12.50',
            currency: 'EUR',
            initialStock: 25,
            createdAt: now,
          },
        },
      ]);
  });

  it('create - an existing product already exists, on productId', () => {
    spec
      .given([created])
      .when({ ...createCommand(), now })
      .thenFails({ reason: 'AlreadyExists', field: 'productId' });
  });

  it('create - a discontinued product still exists', () => {
    spec
      .given([created, discontinued])
      .when({ ...createCommand(), now })
      .thenFails({ reason: 'AlreadyExists', field: 'productId' });
  });
});

describe('product decider - ProductCreated stored at schema version 1', () => {
  const storedV1: ProductCreatedV1['data'] = {
    productId,
    sku: 'MUG-001',
    title: 'Enamel mug',
    description: null,
    category: 'kitchen',
    price: '12.50',
    initialStock: 5,
    createdAt,
  };
  /** The event as the event store hands it to the decider: read at version 1, upcast. */
  const upcastV1 = (): ProductEvent => {
    const { type, data } = upcast({
      eventId: 'a1b2c3d4-0000-4000-8000-000000000001',
      type: 'ProductCreated',
      schemaVersion: 1,
      tenant: 'acme',
      aggregateType: 'Product',
      aggregateId: productId,
      version: 1,
      occurredAt: createdAt,
      data: storedV1,
      metadata: { correlationId: 'c' },
    });
    return { type, data } as ProductEvent;
  };

  it('v1 - folds to a product priced in USD, as every product was before currencies', () => {
    assert.deepEqual(fold(productDecider, [upcastV1()]), {
      status: 'active',
      id: productId,
      sku: 'MUG-001',
      title: 'Enamel mug',
      price: '12.50',
      currency: 'USD',
      stock: 5,
      reservations: {},
    });
  });

  it('v1 - commands decide on it as on a product created now', () => {
    spec
      .given([upcastV1()])
      .when({ type: 'ChangeProductPrice', productId, price: '14.00', now })
      .then([{ type: 'ProductPriceChanged', data: { productId, price: '14.00', previousPrice: '12.50', changedAt: now } }]);
  });
});

describe('product decider - rename', () => {
  it('rename - emits ProductRenamed with the previous title and the command time', () => {
    spec
      .given([created])
      .when({ type: 'RenameProduct', productId, title: 'Steel mug', now })
      .then([{ type: 'ProductRenamed', data: { productId, title: 'Steel mug', previousTitle: 'Enamel mug', renamedAt: now } }]);
  });

  it('rename - the previous title is the latest one, not the first', () => {
    spec
      .given([
        created,
        { type: 'ProductRenamed', data: { productId, title: 'Steel mug', previousTitle: 'Enamel mug', renamedAt: createdAt } },
      ])
      .when({ type: 'RenameProduct', productId, title: 'Titanium mug', now })
      .then([{ type: 'ProductRenamed', data: { productId, title: 'Titanium mug', previousTitle: 'Steel mug', renamedAt: now } }]);
  });
});

describe('product decider - change price', () => {
  it('change price - emits ProductPriceChanged with the previous price and the command time', () => {
    spec
      .given([created])
      .when({ type: 'ChangeProductPrice', productId, price: '14.00', now })
      .then([{ type: 'ProductPriceChanged', data: { productId, price: '14.00', previousPrice: '12.50', changedAt: now } }]);
  });

  it('change price - the previous price is the latest one', () => {
    spec
      .given([created, { type: 'ProductPriceChanged', data: { productId, price: '9.99', previousPrice: '12.50', changedAt: createdAt } }])
      .when({ type: 'ChangeProductPrice', productId, price: '11.00', now })
      .then([{ type: 'ProductPriceChanged', data: { productId, price: '11.00', previousPrice: '9.99', changedAt: now } }]);
  });
});

describe('product decider - restock', () => {
  it('restock - emits ProductRestocked with the quantity and the command time', () => {
    spec
      .given([created])
      .when({ type: 'RestockProduct', productId, quantity: 3, now })
      .then([{ type: 'ProductRestocked', data: { productId, quantity: 3, restockedAt: now } }]);
  });

  it('restock - stock folds initial stock plus every restock', () => {
    const state = fold(productDecider, [
      created,
      { type: 'ProductRestocked', data: { productId, quantity: 3, restockedAt: now } },
      { type: 'ProductRestocked', data: { productId, quantity: 4, restockedAt: now } },
    ]);
    assert.deepEqual(state, {
      status: 'active',
      id: productId,
      sku: 'MUG-001',
      title: 'Enamel mug',
      price: '12.50',
      currency: 'USD',
      stock: 12,
      reservations: {},
    });
  });
});

describe('product decider - stock cap (schema/limits.ts)', () => {
  const withStock = (initialStock: number): ProductCreated => ({ ...created, data: { ...created.data, initialStock } });
  const restock = (quantity: number): ProductCommand => ({ type: 'RestockProduct', productId, quantity, now });
  const restocked = (quantity: number): ProductEvent => ({
    type: 'ProductRestocked',
    data: { productId, quantity, restockedAt: createdAt },
  });
  const orderId = 'a0000000-0000-4000-8000-00000000000a';

  it('create - with the most stock a product may receive', () => {
    spec
      .given([])
      .when({ ...createCommand(), initialStock: MAX_PRODUCT_STOCK, now })
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            sku: 'MUG-002',
            title: 'Another mug',
            description: null,
            category: 'kitchen',
            price: '3.00',
            currency: 'USD',
            initialStock: MAX_PRODUCT_STOCK,
            createdAt: now,
          },
        },
      ]);
  });

  it('create - above it breaks the rule, on initialStock', () => {
    spec
      .given([])
      .when({ ...createCommand(), initialStock: MAX_PRODUCT_STOCK + 1, now })
      .thenFails({ reason: 'RuleViolated', field: 'initialStock' });
  });

  it('restock - up to the cap exactly', () => {
    spec
      .given([withStock(MAX_PRODUCT_STOCK - 10), restocked(7)])
      .when(restock(3))
      .then([{ type: 'ProductRestocked', data: { productId, quantity: 3, restockedAt: now } }]);
  });

  it('restock - past the cap breaks the rule on quantity, telling the most it may add', () => {
    spec
      .given([withStock(MAX_PRODUCT_STOCK - 10), restocked(7)])
      .when(restock(4))
      .thenFails({ reason: 'RuleViolated', field: 'quantity', limits: { maxQuantity: 3 } });
  });

  it('restock - at the cap, nothing more: maxQuantity 0', () => {
    spec
      .given([withStock(MAX_PRODUCT_STOCK)])
      .when(restock(1))
      .thenFails({ reason: 'RuleViolated', field: 'quantity', limits: { maxQuantity: 0 } });
  });

  it('restock - the cap counts units received: stock held or given back by orders makes no room', () => {
    const reserved: ProductEvent = { type: 'StockReserved', data: { productId, orderId, quantity: 10, reservedAt: createdAt } };
    const released: ProductEvent = { type: 'StockReleased', data: { productId, orderId, quantity: 10, releasedAt: createdAt } };
    spec
      .given([withStock(MAX_PRODUCT_STOCK), reserved])
      .when(restock(1))
      .thenFails({ reason: 'RuleViolated', field: 'quantity', limits: { maxQuantity: 0 } });
    spec
      .given([withStock(MAX_PRODUCT_STOCK), reserved, released])
      .when(restock(1))
      .thenFails({ reason: 'RuleViolated', field: 'quantity', limits: { maxQuantity: 0 } });
  });

  it('restock - a product that received more before the cap existed takes no more', () => {
    spec
      .given([withStock(MAX_PRODUCT_STOCK), restocked(1_000_000)])
      .when(restock(1))
      .thenFails({ reason: 'RuleViolated', field: 'quantity', limits: { maxQuantity: 0 } });
  });

  it('stock - a product at the cap can still sell it all', () => {
    const state = fold(productDecider, [withStock(MAX_PRODUCT_STOCK)]);
    assert.ok(state.status === 'active' && availableQuantity(state) === MAX_PRODUCT_STOCK);
    spec
      .given([withStock(MAX_PRODUCT_STOCK)])
      .when({ type: 'ReserveStock', productId, orderId, quantity: 10_000, now })
      .then([{ type: 'StockReserved', data: { productId, orderId, quantity: 10_000, reservedAt: now } }]);
  });
});

describe('product decider - discontinue', () => {
  it('discontinue - emits ProductDiscontinued with the command time', () => {
    spec
      .given([created])
      .when({ type: 'DiscontinueProduct', productId, now })
      .then([{ type: 'ProductDiscontinued', data: { productId, discontinuedAt: now } }]);
  });
});

describe('product decider - rules on every command', () => {
  for (const command of onExisting) {
    it(`${command.type} - on an absent product is not found, on productId`, () => {
      spec.given([]).when(command).thenFails({ reason: 'NotFound', entity: 'product', id: productId, field: 'productId' });
    });

    it(`${command.type} - on a discontinued product is refused as discontinued`, () => {
      spec.given([created, discontinued]).when(command).thenFails({ reason: 'Discontinued', productId });
    });
  }

  it('decide - is pure: the same history and command give the same events, and the history is not mutated', () => {
    const history: ProductEvent[] = [created];
    const snapshot = structuredClone(history);
    for (const command of onExisting) {
      const state = fold(productDecider, history);
      assert.deepEqual(productDecider.decide(command, state), productDecider.decide(command, fold(productDecider, history)));
    }
    assert.deepEqual(history, snapshot);
  });
});

function createCommand(): Omit<Extract<ProductCommand, { type: 'CreateProduct' }>, 'now'> {
  return {
    type: 'CreateProduct',
    productId,
    sku: 'MUG-002',
    title: 'Another mug',
    description: null,
    category: 'kitchen',
    price: '3.00',
    currency: 'USD',
    initialStock: 0,
  };
}
