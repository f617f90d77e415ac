import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OrderEvent, OrderPlaced, OrderStatus } from '../../schema/events/order-events.js';
import { nothingRead, orderDecider, type OrderCommand } from '../../write-service/domain/order.js';
import {
  confirmed,
  customerId,
  histories,
  lines,
  mugId,
  now,
  orderId,
  paid,
  paidAt,
  place,
  placed,
  placedAt,
  read,
  region,
  spec,
  statuses,
  teaId,
  total,
} from '../support/order-fixtures.js';

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
