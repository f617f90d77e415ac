import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ORDER_LINES } from '../../schema/limits.js';
import type { StateReader } from '../../write-service/commands/command-definition.js';
import { orderAggregate } from '../../write-service/commands/order-commands.js';
import type { CustomerState } from '../../write-service/domain/customer.js';
import { nothingRead } from '../../write-service/domain/order.js';
import type { ProductState } from '../../write-service/domain/product.js';
import { assertBadInput } from '../support/assertions.js';
import { parseContext, parseContextWithoutIds } from '../support/decider-spec.js';
import { customerId, mugId, now, orderId, place, productIdAt, spec, teaId } from '../support/order-fixtures.js';
import { parserOf } from '../support/write-commands.js';

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
