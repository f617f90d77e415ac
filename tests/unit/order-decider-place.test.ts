import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderDecider } from '../../write-service/domain/order.js';
import {
  customerId,
  histories,
  lines,
  mug,
  mugId,
  now,
  orderId,
  place,
  productIdAt,
  read,
  region,
  spec,
  statuses,
  tea,
  teaId,
  total,
} from '../support/order-fixtures.js';

describe('order decider - place', () => {
  it('place - captures sku, title and unit price from the products read and starts with OrderPlaced', () => {
    spec
      .given([])
      .when(place(), read())
      .then([{ type: 'OrderPlaced', data: { orderId, customerId, region, lines, total, placedAt: now } }]);
  });

  it("place - the region is the customer's at placement", () => {
    const [event] = orderDecider.decide(place(), orderDecider.initialState(), read({ region: 'ap-south' }));
    assert.equal(event?.type === 'OrderPlaced' && event.data.region, 'ap-south');
  });

  it('place - line totals are exact decimal strings: 3 x "0.10" = "0.30"', () => {
    const [event] = orderDecider.decide(place([{ productId: teaId, quantity: 3 }]), orderDecider.initialState(), read());
    assert.ok(event?.type === 'OrderPlaced');
    assert.equal(event.data.lines[0]?.lineTotal, '0.30');
    assert.equal(event.data.total, '0.30');
  });

  it('place - 1000 lines of cents add up without float error', () => {
    const many = Array.from({ length: 1000 }, (_, index) => ({ productId: productIdAt(index), quantity: 1 }));
    const products = Object.fromEntries(
      many.map(({ productId }, index) => [productId, { ...tea, price: index % 2 === 0 ? '0.10' : '0.07' }]),
    );
    const [event] = orderDecider.decide(place(many), orderDecider.initialState(), read({ products }));
    assert.ok(event?.type === 'OrderPlaced');
    assert.equal(event.data.lines.length, 1000);
    assert.equal(event.data.total, '85.00'); // 500 x 0.10 + 500 x 0.07
  });

  it('place - large quantities and prices stay exact', () => {
    const [event] = orderDecider.decide(
      place([
        { productId: mugId, quantity: 10_000 },
        { productId: teaId, quantity: 7 },
      ]),
      orderDecider.initialState(),
      read({ products: { [mugId]: { ...mug, price: '9999999999.99' }, [teaId]: { ...tea, price: '0.07' } } }),
    );
    assert.ok(event?.type === 'OrderPlaced');
    assert.deepEqual(
      event.data.lines.map((line) => line.lineTotal),
      ['99999999999900.00', '0.49'],
    );
    assert.equal(event.data.total, '99999999999900.49');
  });

  it('place - an unknown customer is not found, on customerId', () => {
    spec
      .given([])
      .when(place(), read({ region: null }))
      .thenFails({ reason: 'NotFound', entity: 'customer', id: customerId, field: 'customerId' });
  });

  it('place - an unknown product is not found, on its line', () => {
    spec
      .given([])
      .when(
        place([
          { productId: mugId, quantity: 1 },
          { productId: teaId, quantity: 1 },
        ]),
        read({ products: { [mugId]: mug } }),
      )
      .thenFails({ reason: 'NotFound', entity: 'product', id: teaId, field: 'lines[1].productId' });
  });

  it('place - lines share one currency: a product priced in another is refused on its line', () => {
    spec
      .given([])
      .when(place(), read({ products: { [mugId]: mug, [teaId]: { ...tea, currency: 'EUR' } } }))
      .thenFails({ reason: 'RuleViolated', field: 'lines[1].productId' });
    const euros = { ...mug, currency: 'EUR' };
    spec
      .given([])
      .when(place([{ productId: mugId, quantity: 1 }]), read({ products: { [mugId]: euros } }))
      .then([
        {
          type: 'OrderPlaced',
          data: { orderId, customerId, region, lines: [{ ...lines[0]!, quantity: 1, lineTotal: '12.50' }], total: '12.50', placedAt: now },
        },
      ]);
  });

  it('place - a discontinued product is still placed: the saga refuses its reservation', () => {
    const [event] = orderDecider.decide(
      place(),
      orderDecider.initialState(),
      read({ products: { [mugId]: mug, [teaId]: { ...tea, discontinued: true } } }),
    );
    assert.equal(event?.type, 'OrderPlaced');
  });

  it('place - an existing order already exists, on orderId', () => {
    for (const status of statuses)
      spec.given(histories[status]).when(place(), read()).thenFails({ reason: 'AlreadyExists', field: 'orderId' });
  });
});
