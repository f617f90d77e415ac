import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderEvent, OrderLineData, OrderPlaced, OrderStatus } from '../../schema/events/order-events.js';
import { MAX_ORDER_LINES } from '../../schema/limits.js';
import type { StateReader } from '../../write-service/commands/command-definition.js';
import { orderAggregate } from '../../write-service/commands/order-commands.js';
import type { CustomerState } from '../../write-service/domain/customer.js';
import {
  nothingRead,
  orderDecider,
  type OrderCommand,
  type OrderContext,
  type OrderedProduct,
  type OrderState,
  type PlaceOrder,
} from '../../write-service/domain/order.js';
import type { ProductState } from '../../write-service/domain/product.js';
import { assertBadInput } from '../support/assertions.js';
import { deciderSpec, parseContext, parseContextWithoutIds } from '../support/decider-spec.js';
import { parserOf } from '../support/write-commands.js';

const spec = deciderSpec<OrderCommand, OrderState, OrderEvent, OrderContext>(orderDecider);

const orderId = '0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5';
const customerId = '3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f';
const mugId = '6f1c2a4e-8b3d-4c5e-9f70-112233445566';
const teaId = '7a2d3b5f-9c4e-4d6f-8a81-223344556677';
const placedAt = '2026-11-26T10:00:00.000Z';
const paidAt = '2026-11-26T11:00:00.000Z';
const now = '2026-11-27T08:30:00.000Z';

const mug: OrderedProduct = { sku: 'MUG-001', title: 'Enamel mug', price: '12.50', currency: 'USD', discontinued: false };
const tea: OrderedProduct = { sku: 'TEA-042', title: 'Green tea', price: '0.10', currency: 'USD', discontinued: false };

/** A product id per index, for orders with many lines. */
const productIdAt = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;

const place = (
  lines: PlaceOrder['lines'] = [
    { productId: mugId, quantity: 2 },
    { productId: teaId, quantity: 3 },
  ],
): PlaceOrder => ({ type: 'PlaceOrder', orderId, customerId, lines, now });

/** What placement reads: the customer's region (none: no such customer) and the products that exist. */
const read = ({
  region = 'eu-west',
  products = { [mugId]: mug, [teaId]: tea },
}: { region?: string | null; products?: Record<string, OrderedProduct> } = {}): OrderContext => ({
  customers: region === null ? new Map() : new Map([[customerId, { region }]]),
  products: new Map(Object.entries(products)),
});

const lines: OrderLineData[] = [
  { productId: mugId, sku: 'MUG-001', title: 'Enamel mug', quantity: 2, unitPrice: '12.50', lineTotal: '25.00' },
  { productId: teaId, sku: 'TEA-042', title: 'Green tea', quantity: 3, unitPrice: '0.10', lineTotal: '0.30' },
];
const total = '25.30';
const region = 'eu-west';

const placed: OrderPlaced = { type: 'OrderPlaced', data: { orderId, customerId, region, lines, total, placedAt } };
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId, customerId, region, lines, total, confirmedAt: placedAt } };
const rejected: OrderEvent = {
  type: 'OrderRejected',
  data: { orderId, customerId, reason: 'OUT_OF_STOCK', productId: mugId, rejectedAt: placedAt },
};
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId, customerId, region, amount: total, paidAt } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, customerId, shippedAt: paidAt } };
const cancelledFromPending: OrderEvent = {
  type: 'OrderCancelled',
  data: { orderId, customerId, region, reason: null, previousStatus: 'PENDING', lines, total, paidAt: null, cancelledAt: placedAt },
};

/** A history that leaves the order in each status. */
const histories: Record<OrderStatus, OrderEvent[]> = {
  PENDING: [placed],
  CONFIRMED: [placed, confirmed],
  REJECTED: [placed, rejected],
  PAID: [placed, confirmed, paid],
  SHIPPED: [placed, confirmed, paid, shipped],
  CANCELLED: [placed, cancelledFromPending],
};
const statuses = Object.keys(histories) as OrderStatus[];

const confirm: OrderCommand = { type: 'ConfirmOrder', orderId, now };
const reject: OrderCommand = { type: 'RejectOrder', orderId, reason: 'OUT_OF_STOCK', productId: mugId, now };
const pay: OrderCommand = { type: 'PayOrder', orderId, amount: total, now };
const ship: OrderCommand = { type: 'ShipOrder', orderId, now };
const cancel: OrderCommand = { type: 'CancelOrder', orderId, reason: 'changed my mind', now };

/** Which statuses each life-cycle command accepts. */
const allowed: [OrderCommand, OrderStatus[]][] = [
  [confirm, ['PENDING']],
  [reject, ['PENDING']],
  [pay, ['CONFIRMED']],
  [ship, ['PAID']],
  [cancel, ['PENDING', 'CONFIRMED', 'PAID']],
];

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

describe('order decider - life cycle', () => {
  it('confirm - a PENDING order is confirmed, carrying its lines and total', () => {
    spec
      .given([placed])
      .when(confirm, nothingRead)
      .then([{ type: 'OrderConfirmed', data: { orderId, customerId, region, lines, total, confirmedAt: now } }]);
  });

  it('reject - a PENDING order is rejected with the reason and the product', () => {
    spec
      .given([placed])
      .when({ type: 'RejectOrder', orderId, reason: 'PRODUCT_DISCONTINUED', productId: teaId, now }, nothingRead)
      .then([{ type: 'OrderRejected', data: { orderId, customerId, reason: 'PRODUCT_DISCONTINUED', productId: teaId, rejectedAt: now } }]);
  });

  it('pay - a CONFIRMED order is paid with its total', () => {
    spec
      .given([placed, confirmed])
      .when(pay, nothingRead)
      .then([{ type: 'OrderPaid', data: { orderId, customerId, region, amount: total, paidAt: now } }]);
  });

  it('pay - "42" equals a total of "42.00"', () => {
    const fortyTwo: OrderPlaced = {
      type: 'OrderPlaced',
      data: {
        orderId,
        customerId,
        region,
        lines: [{ ...lines[0]!, quantity: 1, unitPrice: '42.00', lineTotal: '42.00' }],
        total: '42.00',
        placedAt,
      },
    };
    spec
      .given([fortyTwo, confirmed])
      .when({ type: 'PayOrder', orderId, amount: '42', now }, nothingRead)
      .then([{ type: 'OrderPaid', data: { orderId, customerId, region, amount: '42.00', paidAt: now } }]);
  });

  it('pay - an amount other than the total breaks the rule, on amount', () => {
    for (const amount of ['25.29', '25.31', '0.00', '253.00', '2.53']) {
      spec
        .given([placed, confirmed])
        .when({ type: 'PayOrder', orderId, amount, now }, nothingRead)
        .thenFails({ reason: 'RuleViolated', field: 'amount' });
    }
  });

  it('ship - a PAID order is shipped', () => {
    spec
      .given([placed, confirmed, paid])
      .when(ship, nothingRead)
      .then([{ type: 'OrderShipped', data: { orderId, customerId, shippedAt: now } }]);
  });

  for (const [previousStatus, paidAtThen] of [
    ['PENDING', null],
    ['CONFIRMED', null],
    ['PAID', paidAt],
  ] as const) {
    it(`cancel - from ${previousStatus}: carries previousStatus, lines, total and paidAt`, () => {
      spec
        .given(histories[previousStatus])
        .when(cancel, nothingRead)
        .then([
          {
            type: 'OrderCancelled',
            data: {
              orderId,
              customerId,
              region,
              reason: 'changed my mind',
              previousStatus,
              lines,
              total,
              paidAt: paidAtThen,
              cancelledAt: now,
            },
          },
        ]);
    });
  }

  for (const [command, accepted] of allowed) {
    for (const status of statuses.filter((s) => !accepted.includes(s))) {
      it(`${command.type} - refused when ${status}: an invalid transition, with the current status`, () => {
        spec
          .given(histories[status])
          .when(command, nothingRead)
          .thenFails({ reason: 'InvalidTransition', entity: 'order', id: orderId, status });
      });
    }

    it(`${command.type} - on an absent order is not found, on orderId`, () => {
      spec.given([]).when(command, nothingRead).thenFails({ reason: 'NotFound', entity: 'order', field: 'orderId' });
    });
  }

  it('pay - the state is checked before the amount', () => {
    spec
      .given([placed])
      .when({ type: 'PayOrder', orderId, amount: '1.00', now }, nothingRead)
      .thenFails({ reason: 'InvalidTransition', status: 'PENDING' });
  });

  it('life cycle - PENDING -> CONFIRMED -> PAID -> SHIPPED, each step through decide', () => {
    let history: OrderEvent[] = [];
    for (const command of [place(), confirm, pay, ship]) {
      const context = command.type === 'PlaceOrder' ? read() : nothingRead;
      history = [...history, ...orderDecider.decide(command, history.reduce(orderDecider.evolve, orderDecider.initialState()), context)];
    }
    assert.deepEqual(
      history.map((event) => event.type),
      ['OrderPlaced', 'OrderConfirmed', 'OrderPaid', 'OrderShipped'],
    );
    assert.equal(history.reduce(orderDecider.evolve, orderDecider.initialState()).status, 'SHIPPED');
  });
});

describe('order commands - placeOrder parse', () => {
  const newId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  const context = parseContext(now, newId);
  const parsePlaceOrder = parserOf('PlaceOrder');
  const parse = (input: Record<string, unknown>) => parsePlaceOrder(input, context);
  const validInput = {
    customerId,
    lines: [
      { productId: mugId, quantity: 2 },
      { productId: teaId, quantity: 3 },
    ],
  };

  it('parse - a valid order: its customer and lines, nothing read from other aggregates', () => {
    assert.deepEqual(parse(validInput), {
      command: {
        type: 'PlaceOrder',
        orderId: newId,
        customerId,
        lines: [
          { productId: mugId, quantity: 2 },
          { productId: teaId, quantity: 3 },
        ],
        now,
      },
    });
    assert.equal(orderAggregate.streamId(parse({ ...validInput, id: orderId.toUpperCase() }).command), orderId);
  });

  it('parse - no lines is BAD_USER_INPUT on input.lines', () => {
    for (const lines of [[], undefined, null, 'x', {}]) assertBadInput(() => parse({ ...validInput, lines }), 'input.lines');
  });

  it(`parse - at most ${MAX_ORDER_LINES} lines`, () => {
    const linesOf = (count: number) => Array.from({ length: count }, (_, index) => ({ productId: productIdAt(index), quantity: 1 }));
    assert.equal(parse({ ...validInput, lines: linesOf(100) }).command.lines.length, 100);
    assertBadInput(() => parse({ ...validInput, lines: linesOf(101) }), 'input.lines');
  });

  it('parse - quantity < 1 (or not an integer) is BAD_USER_INPUT on the line quantity', () => {
    for (const quantity of [0, -1, 1.5, '2', null, undefined]) {
      assertBadInput(
        () =>
          parse({
            ...validInput,
            lines: [
              { productId: mugId, quantity: 1 },
              { productId: teaId, quantity },
            ],
          }),
        'input.lines[1].quantity',
      );
    }
  });

  it('parse - a product on two lines is BAD_USER_INPUT on the second line', () => {
    assertBadInput(
      () =>
        parse({
          ...validInput,
          lines: [
            { productId: mugId, quantity: 1 },
            { productId: teaId, quantity: 1 },
            { productId: mugId, quantity: 2 },
          ],
        }),
      'input.lines[2].productId',
    );
  });

  it('parse - the same product in another case is still a duplicate', () => {
    assertBadInput(
      () =>
        parse({
          ...validInput,
          lines: [
            { productId: mugId, quantity: 1 },
            { productId: mugId.toUpperCase(), quantity: 1 },
          ],
        }),
      'input.lines[1].productId',
    );
  });

  it('parse - bad UUIDs name their field', () => {
    assertBadInput(() => parse({ ...validInput, id: 'order-1' }), 'input.id');
    assertBadInput(() => parse({ ...validInput, customerId: 'ada' }), 'input.customerId');
    assertBadInput(() => parse({ ...validInput, customerId: undefined }), 'input.customerId');
    assertBadInput(() => parse({ ...validInput, lines: [{ productId: 'mug', quantity: 1 }] }), 'input.lines[0].productId');
    assertBadInput(() => parse({ ...validInput, lines: [{ productId: mugId, quantity: 1 }, null] }), 'input.lines[1].productId');
  });
});

describe('order commands - placeOrder context', () => {
  const customer: CustomerState = { status: 'registered', id: customerId, name: 'Ada', email: 'ada@example.com', region: 'eu-west' };
  const mugState: ProductState = {
    status: 'active',
    id: mugId,
    sku: 'MUG-001',
    title: 'Enamel mug',
    price: '12.50',
    currency: 'USD',
    stock: 5,
    reservations: {},
  };
  const readerOf =
    (states: Record<string, unknown>): StateReader =>
    async <State>(aggregate: { type: string }, id: string) =>
      (states[`${aggregate.type}:${id}`] ?? { status: 'absent' }) as State;
  const command = place([
    { productId: mugId, quantity: 2 },
    { productId: teaId, quantity: 1 },
  ]);
  const contextOf = (states: Record<string, unknown>) => orderAggregate.context!(command, readerOf(states));

  it('context - region, sku, title and price from the write-side states; a product that does not exist is missing', async () => {
    const context = await contextOf({ [`Customer:${customerId}`]: customer, [`Product:${mugId}`]: mugState });
    assert.deepEqual([...context.customers], [[customerId, { region: 'eu-west' }]]);
    assert.deepEqual(
      [...context.products],
      [[mugId, { sku: 'MUG-001', title: 'Enamel mug', price: '12.50', currency: 'USD', discontinued: false }]],
    );
    spec.given([]).when(command, context).thenFails({ reason: 'NotFound', field: 'lines[1].productId' });
  });

  it('context - an unknown customer is missing: the decider refuses it as not found, on customerId', async () => {
    const context = await contextOf({ [`Product:${mugId}`]: mugState });
    assert.equal(context.customers.size, 0);
    spec.given([]).when(command, context).thenFails({ reason: 'NotFound', field: 'customerId' });
  });

  it('context - the other order commands read nothing', async () => {
    assert.equal(await orderAggregate.context!({ type: 'ShipOrder', orderId, now }, readerOf({})), nothingRead);
  });
});

describe('order commands - payOrder parse', () => {
  const payOrder = parserOf('PayOrder');
  const context = parseContextWithoutIds(now, 'payOrder');

  it('parse - the amount is normalized to two decimals', () => {
    assert.deepEqual(payOrder({ id: orderId, amount: '42' }, context), { command: { type: 'PayOrder', orderId, amount: '42.00', now } });
  });

  it('parse - a malformed amount is BAD_USER_INPUT on input.amount', () => {
    for (const amount of ['-1', '1.234', 'abc', 42, null]) assertBadInput(() => payOrder({ id: orderId, amount }, context), 'input.amount');
  });
});
