import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderEvent } from '../../schema/events/order-events.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import {
  GRAPHQL_INT_MAX,
  MAX_EXPECTED_VERSION,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_ORDER_TOTAL_CENTS,
  MAX_PRICE_CENTS,
  MAX_PRODUCT_STOCK,
  MAX_RESTOCK_QUANTITY,
  servedAsInt,
} from '../../schema/limits.js';
import { fromCents } from '../../schema/money.js';
import { requireAmount, requirePrice } from '../../schema/validation.js';
import { orderDecider, type OrderCommand, type OrderContext, type OrderState } from '../../write-service/domain/order.js';
import { productDecider, type ProductCommand, type ProductState } from '../../write-service/domain/product.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContext } from '../support/decider-spec.js';
import { parserOf, type CommandOf } from '../support/write-commands.js';

const UUID = '0b7e5c52-3c1d-4e8a-9f01-5a6b7c8d9e0f';
const ORDER_ID = '0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5';
const CUSTOMER_ID = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const now = '2026-11-27T08:30:00.000Z';
const context = parseContext(now, UUID);
const MAX_PRICE = fromCents(MAX_PRICE_CENTS);
const MAX_ORDER_TOTAL = fromCents(MAX_ORDER_TOTAL_CENTS);

const parser = <Type extends 'CreateProduct' | 'ChangeProductPrice' | 'RestockProduct' | 'RenameProduct' | 'PlaceOrder' | 'PayOrder'>(
  type: Type,
) => {
  const parse = parserOf(type);
  return (input: Record<string, unknown>) => parse(input, context);
};
const createProduct = parser('CreateProduct');
const changeProductPrice = parser('ChangeProductPrice');
const restockProduct = parser('RestockProduct');
const renameProduct = parser('RenameProduct');
const placeOrder = parser('PlaceOrder');
const payOrder = parser('PayOrder');
const productInput = { sku: 'MUG-001', title: 'Enamel mug', category: 'kitchen', price: '5' };
const field = (parsed: { command: CommandOf<'CreateProduct' | 'ChangeProductPrice' | 'RestockProduct' | 'PayOrder'> }, name: string) =>
  (parsed.command as unknown as Record<string, unknown>)[name];

describe('limits - one decision with the read columns and GraphQL fields', () => {
  it('limits - the largest order total is every line at the limits: 100 x 10,000 x 9,999,999,999.99', () => {
    assert.equal(MAX_PRICE, '9999999999.99');
    assert.equal(MAX_ORDER_TOTAL_CENTS, BigInt(MAX_ORDER_LINES) * BigInt(MAX_LINE_QUANTITY) * MAX_PRICE_CENTS);
    assert.equal(MAX_ORDER_TOTAL, '9999999999990000.00');
  });

  it('limits - whatever is served as a GraphQL Int (stock, units sold, line quantity, versions) stays within 32 bits', () => {
    assert.equal(GRAPHQL_INT_MAX, 2 ** 31 - 1);
    for (const limit of [MAX_PRODUCT_STOCK, MAX_LINE_QUANTITY, MAX_RESTOCK_QUANTITY, MAX_EXPECTED_VERSION])
      assert.ok(limit <= GRAPHQL_INT_MAX, String(limit));
  });

  it('servedAsInt - counts from bigint columns (strings) become numbers, at most the GraphQL Int bound', () => {
    assert.equal(servedAsInt(0), 0);
    assert.equal(servedAsInt('42'), 42);
    assert.equal(servedAsInt(String(GRAPHQL_INT_MAX)), GRAPHQL_INT_MAX);
    assert.equal(servedAsInt('2147483648'), GRAPHQL_INT_MAX);
    assert.equal(servedAsInt('9223372036854775807'), GRAPHQL_INT_MAX);
    assert.equal(servedAsInt(10n ** 12n), GRAPHQL_INT_MAX);
  });
});

describe('limits - what the validators accept, up to each limit and not past it', () => {
  it('price - 9,999,999,999.99 at most, for products and their price changes', () => {
    assert.equal(requirePrice(MAX_PRICE), MAX_PRICE);
    assert.equal(field(createProduct({ ...productInput, price: MAX_PRICE }), 'price'), MAX_PRICE);
    assert.equal(field(changeProductPrice({ id: UUID, price: MAX_PRICE }), 'price'), MAX_PRICE);
    for (const price of ['10000000000', '10000000000.00', '99999999999.99', `1${'0'.repeat(39)}`, `1${'0'.repeat(400)}`]) {
      assertBadInput(() => createProduct({ ...productInput, price }), 'input.price');
      assertBadInput(() => changeProductPrice({ id: UUID, price }), 'input.price');
    }
  });

  it('amount - a filter bound goes up to the highest price; a payment up to the largest order total', () => {
    assert.equal(requireAmount(MAX_PRICE, 'filter.maxPrice'), MAX_PRICE);
    assertBadInput(() => requireAmount('10000000000.00', 'filter.maxPrice'), 'filter.maxPrice');
    assert.equal(field(payOrder({ id: ORDER_ID, amount: MAX_ORDER_TOTAL }), 'amount'), MAX_ORDER_TOTAL);
    assert.equal(field(payOrder({ id: ORDER_ID, amount: '9999999999990000' }), 'amount'), MAX_ORDER_TOTAL);
    assertBadInput(() => payOrder({ id: ORDER_ID, amount: fromCents(MAX_ORDER_TOTAL_CENTS + 1n) }), 'input.amount');
  });

  it('initialStock - from 0 to the stock cap', () => {
    assert.equal(field(createProduct({ ...productInput, initialStock: MAX_PRODUCT_STOCK }), 'initialStock'), MAX_PRODUCT_STOCK);
    for (const initialStock of [MAX_PRODUCT_STOCK + 1, GRAPHQL_INT_MAX, -1])
      assertBadInput(() => createProduct({ ...productInput, initialStock }), 'input.initialStock');
  });

  it('restock - 1 to 1,000,000 units at a time', () => {
    assert.equal(field(restockProduct({ id: UUID, quantity: MAX_RESTOCK_QUANTITY }), 'quantity'), MAX_RESTOCK_QUANTITY);
    assertBadInput(() => restockProduct({ id: UUID, quantity: MAX_RESTOCK_QUANTITY + 1 }), 'input.quantity');
  });

  it('order lines - 10,000 units at most, and so for the saga reserving them', () => {
    const lines = (quantity: number) => [{ productId: UUID, quantity }];
    assert.deepEqual(placeOrder({ customerId: CUSTOMER_ID, lines: lines(MAX_LINE_QUANTITY) }).command.lines, [
      { productId: UUID, quantity: MAX_LINE_QUANTITY },
    ]);
    assertBadInput(() => placeOrder({ customerId: CUSTOMER_ID, lines: lines(MAX_LINE_QUANTITY + 1) }), 'input.lines[0].quantity');
    // The saga reserves what a placed line holds (no client sends ReserveStock): the largest line reserves.
    const created: ProductEvent = {
      type: 'ProductCreated',
      data: {
        productId: UUID,
        sku: 'PRESS',
        title: 'Press',
        description: null,
        category: 'c',
        price: '1.00',
        currency: 'USD',
        initialStock: MAX_PRODUCT_STOCK,
        createdAt: now,
      },
    };
    deciderSpec<ProductCommand, ProductState, ProductEvent>(productDecider)
      .given([created])
      .when({ type: 'ReserveStock', productId: UUID, orderId: ORDER_ID, quantity: MAX_LINE_QUANTITY, now })
      .then([{ type: 'StockReserved', data: { productId: UUID, orderId: ORDER_ID, quantity: MAX_LINE_QUANTITY, reservedAt: now } }]);
  });

  it('expectedVersion - up to 1,000,000,000', () => {
    assert.equal(renameProduct({ id: UUID, title: 'Mug', expectedVersion: MAX_EXPECTED_VERSION }).expectedVersion, MAX_EXPECTED_VERSION);
    assertBadInput(() => renameProduct({ id: UUID, title: 'Mug', expectedVersion: MAX_EXPECTED_VERSION + 1 }), 'input.expectedVersion');
  });
});

describe('limits - the order decider at the limits', () => {
  const spec = deciderSpec<OrderCommand, OrderState, OrderEvent, OrderContext>(orderDecider);
  const productIdAt = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
  const lines = Array.from({ length: MAX_ORDER_LINES }, (_, index) => ({ productId: productIdAt(index), quantity: MAX_LINE_QUANTITY }));
  const read: OrderContext = {
    customers: new Map([[CUSTOMER_ID, { region: 'eu' }]]),
    products: new Map(
      lines.map(({ productId }, index) => [
        productId,
        { sku: `SKU-${index}`, title: 'Press', price: MAX_PRICE, currency: 'USD', discontinued: false },
      ]),
    ),
  };

  it('place - 100 lines of 10,000 units at the highest price total exactly the largest order total, and that is paid', () => {
    const [placed] = orderDecider.decide(
      { type: 'PlaceOrder', orderId: ORDER_ID, customerId: CUSTOMER_ID, lines, now },
      orderDecider.initialState(),
      read,
    );
    assert.ok(placed?.type === 'OrderPlaced');
    assert.equal(placed.data.total, MAX_ORDER_TOTAL);
    assert.equal(placed.data.lines[0]?.lineTotal, '99999999999900.00');
    const { placedAt: _placedAt, ...order } = placed.data;
    const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { ...order, confirmedAt: now } };
    spec
      .given([placed, confirmed])
      .when({ type: 'PayOrder', orderId: ORDER_ID, amount: MAX_ORDER_TOTAL, now }, read)
      .then([
        { type: 'OrderPaid', data: { orderId: ORDER_ID, customerId: CUSTOMER_ID, region: 'eu', amount: MAX_ORDER_TOTAL, paidAt: now } },
      ]);
  });
});
