import { type OrderEvent, type OrderLineData, type OrderStatus, type RejectionReason, multiply, sum, toCents } from '../../schema/index.js';
import type { Decider } from './decider.js';
import { DomainError } from './domain-error.js';

export interface PlaceOrder {
  type: 'PlaceOrder';
  orderId: string;
  customerId: string;
  lines: { productId: string; quantity: number }[];
  now: string;
}
export interface PayOrder {
  type: 'PayOrder';
  orderId: string;
  amount: string;
  now: string;
}
export interface ShipOrder {
  type: 'ShipOrder';
  orderId: string;
  now: string;
}
export interface CancelOrder {
  type: 'CancelOrder';
  orderId: string;
  reason: string | null;
  now: string;
}
/** Saga step: every line's stock is held. */
export interface ConfirmOrder {
  type: 'ConfirmOrder';
  orderId: string;
  now: string;
}
/** Saga step: a product refused its line. */
export interface RejectOrder {
  type: 'RejectOrder';
  orderId: string;
  reason: RejectionReason;
  productId: string;
  now: string;
}

export type OrderCommand = PlaceOrder | PayOrder | ShipOrder | CancelOrder | ConfirmOrder | RejectOrder;

/** A product as placement reads it from the write side (never from a read model). */
export interface OrderedProduct {
  sku: string;
  title: string;
  price: string;
  /** ISO 4217 code of `price`. */
  currency: string;
  discontinued: boolean;
}

/**
 * What order decisions read from other aggregates, as the write side holds them: the handler
 * loads every id the decision reads (placement: its customer and each line's product; the other
 * commands read none), so an id missing here is one that does not exist.
 */
export interface OrderContext {
  customers: ReadonlyMap<string, { region: string }>;
  products: ReadonlyMap<string, OrderedProduct>;
}

/** The context of a command that reads no other aggregate. */
export const nothingRead: OrderContext = { customers: new Map(), products: new Map() };

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

export function decide(command: OrderCommand, state: OrderState, context: OrderContext): OrderEvent[] {
  if (command.type === 'PlaceOrder') {
    if (state.status !== 'absent') throw DomainError.alreadyExists('order', command.orderId, 'orderId');
    return [place(command, context)];
  }
  if (state.status === 'absent') throw DomainError.notFound('order', command.orderId, 'orderId');
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
      if (toCents(command.amount) !== toCents(total))
        throw DomainError.ruleViolated('amount', `amount must equal the order total ${total}`);
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

/** Unit prices and titles are the products' at this moment; a discontinued product is refused later, by the saga's reservation. */
function place(command: PlaceOrder, context: OrderContext): OrderEvent {
  const customer = context.customers.get(command.customerId);
  if (!customer) throw DomainError.notFound('customer', command.customerId, 'customerId');
  const lines = command.lines.map((line, index): OrderLineData => {
    const product = context.products.get(line.productId);
    if (!product) throw DomainError.notFound('product', line.productId, `lines[${index}].productId`);
    const { sku, title, price, currency } = product;
    const first = context.products.get(command.lines[0]?.productId ?? '');
    if (first && currency !== first.currency) {
      // An order has one total, so its lines share one currency.
      throw DomainError.ruleViolated(
        `lines[${index}].productId`,
        `product ${line.productId} is priced in ${currency}, the order in ${first.currency}`,
      );
    }
    return { productId: line.productId, sku, title, quantity: line.quantity, unitPrice: price, lineTotal: multiply(price, line.quantity) };
  });
  return {
    type: 'OrderPlaced',
    data: {
      orderId: command.orderId,
      customerId: command.customerId,
      region: customer.region,
      lines,
      total: sum(lines.map((line) => line.lineTotal)),
      placedAt: command.now,
    },
  };
}

function requireStatus<S extends OrderStatus>(state: ExistingOrder, allowed: readonly S[]): S {
  if (!(allowed as readonly OrderStatus[]).includes(state.status)) throw DomainError.invalidTransition('order', state.id, state.status);
  return state.status as S;
}

export const orderDecider: Decider<OrderCommand, OrderState, OrderEvent, OrderContext> = { decide, evolve, initialState };
