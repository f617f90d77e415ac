import { AppError } from '../../schema/errors.js';
import type { OrderCommand, PlaceOrder } from '../../schema/commands/order-commands.js';
import type { OrderEvent, OrderLineData, OrderStatus } from '../../schema/events/order-events.js';
import { multiply, sum, toCents } from '../../schema/money.js';
import type { Decider } from './decider.js';

export interface ExistingOrder {
  status: OrderStatus;
  id: string;
  customerId: string;
  region: string;
  lines: OrderLineData[];
  total: string;
  paidAt: string | null;
}
export type OrderState = { status: 'absent' } | ExistingOrder;

export function initialState(): OrderState {
  return { status: 'absent' };
}

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, region, lines, total } = event.data;
    return { status: 'PENDING', id: orderId, customerId, region, lines, total, paidAt: null };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'OrderConfirmed':
      return { ...state, status: 'CONFIRMED' };
    case 'OrderRejected':
      return { ...state, status: 'REJECTED' };
    case 'OrderPaid':
      return { ...state, status: 'PAID', paidAt: event.data.paidAt };
    case 'OrderShipped':
      return { ...state, status: 'SHIPPED' };
    case 'OrderCancelled':
      return { ...state, status: 'CANCELLED' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  if (command.type === 'PlaceOrder') {
    if (state.status !== 'absent') throw AppError.conflict('id', `order ${command.orderId} already exists`);
    return [place(command)];
  }
  if (state.status === 'absent') throw AppError.notFound('order', command.orderId, 'id');
  const { id: orderId, customerId, region, lines, total } = state;
  switch (command.type) {
    case 'ConfirmOrder':
      requireStatus(state, ['PENDING']);
      return [{ type: 'OrderConfirmed', data: { orderId, customerId, region, lines, total, confirmedAt: command.now } }];
    case 'RejectOrder':
      requireStatus(state, ['PENDING']);
      return [
        {
          type: 'OrderRejected',
          data: { orderId, customerId, reason: command.reason, productId: command.productId, rejectedAt: command.now },
        },
      ];
    case 'PayOrder':
      requireStatus(state, ['CONFIRMED']);
      if (toCents(command.amount) !== toCents(total)) throw AppError.badInput('amount', `amount must equal the order total ${total}`);
      return [{ type: 'OrderPaid', data: { orderId, customerId, region, amount: total, paidAt: command.now } }];
    case 'ShipOrder':
      requireStatus(state, ['PAID']);
      return [{ type: 'OrderShipped', data: { orderId, customerId, shippedAt: command.now } }];
    case 'CancelOrder': {
      const previousStatus = requireStatus(state, ['PENDING', 'CONFIRMED', 'PAID']);
      return [
        {
          type: 'OrderCancelled',
          data: {
            orderId,
            customerId,
            region,
            reason: command.reason,
            previousStatus,
            lines,
            total,
            paidAt: state.paidAt,
            cancelledAt: command.now,
          },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function place(command: PlaceOrder): OrderEvent {
  if (command.customerRegion === null) throw AppError.notFound('customer', command.customerId, 'customerId');
  const lines = command.lines.map((line, index): OrderLineData => {
    if (!line.product) throw AppError.notFound('product', line.productId, `lines[${index}].productId`);
    const { sku, title, price } = line.product;
    return { productId: line.productId, sku, title, quantity: line.quantity, unitPrice: price, lineTotal: multiply(price, line.quantity) };
  });
  return {
    type: 'OrderPlaced',
    data: {
      orderId: command.orderId,
      customerId: command.customerId,
      region: command.customerRegion,
      lines,
      total: sum(lines.map((line) => line.lineTotal)),
      placedAt: command.now,
    },
  };
}

function requireStatus<S extends OrderStatus>(state: ExistingOrder, allowed: readonly S[]): S {
  if (!(allowed as readonly OrderStatus[]).includes(state.status)) {
    throw AppError.invalidState(`order ${state.id} is ${state.status}`, { status: state.status });
  }
  return state.status as S;
}

export const orderDecider: Decider<OrderCommand, OrderState, OrderEvent> = { decide, evolve, initialState };
