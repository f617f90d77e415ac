import type { OrderCommand, ProductSnapshot } from '../../schema/commands/order-commands.js';
import { AppError } from '../../schema/errors.js';
import { ORDER, type RejectionReason } from '../../schema/events/order-events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_ORDER_TOTAL_CENTS } from '../../schema/limits.js';
import { CUSTOMER } from '../../schema/events/customer-events.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { optionalString, requireAmount, requireIntInRange, requireUuid } from '../../schema/validation.js';
import type { CustomerState } from '../domain/customer.js';
import { orderDecider } from '../domain/order.js';
import type { ProductState } from '../domain/product.js';
import type { CommandDefinition } from './command-definition.js';

type OrderCommandDefinition = CommandDefinition<OrderCommand>;

function define(name: string, parse: OrderCommandDefinition['parse'], enrich?: OrderCommandDefinition['enrich']): OrderCommandDefinition {
  return { name, aggregateType: ORDER, decider: orderDecider, parse, ...(enrich ? { enrich } : {}) };
}

function parseLines(raw: unknown): { productId: string; quantity: number }[] {
  if (!Array.isArray(raw) || raw.length === 0) throw AppError.badInput('lines', 'lines must hold at least one line');
  if (raw.length > MAX_ORDER_LINES) throw AppError.badInput('lines', `an order holds at most ${MAX_ORDER_LINES} lines`);
  const seen = new Set<string>();
  return raw.map((line: Record<string, unknown> | null, index) => {
    const productId = requireUuid(line?.productId, `lines[${index}].productId`);
    if (seen.has(productId)) throw AppError.badInput(`lines[${index}].productId`, 'each product may appear on one line only');
    seen.add(productId);
    return { productId, quantity: requireIntInRange(line?.quantity, `lines[${index}].quantity`, 1, MAX_LINE_QUANTITY) };
  });
}

function snapshot(state: ProductState): ProductSnapshot | null {
  if (state.status === 'absent') return null;
  return { sku: state.sku, title: state.title, price: state.price, discontinued: state.status === 'discontinued' };
}

export const orderCommands: OrderCommandDefinition[] = [
  define(
    'placeOrder',
    (input, { now, newId }) => {
      const orderId = input.id === undefined || input.id === null ? newId() : requireUuid(input.id, 'id');
      const customerId = requireUuid(input.customerId, 'customerId');
      const lines = parseLines(input.lines).map((line) => ({ ...line, product: null }));
      return { aggregateId: orderId, command: { type: 'PlaceOrder', orderId, customerId, customerRegion: null, lines, now } };
    },
    async (command, load) => {
      if (command.type !== 'PlaceOrder') return command;
      // Prices and titles come from the write-side products at this moment, never from the read model.
      const customer = await load<CustomerState>(CUSTOMER, command.customerId);
      const products = await Promise.all(command.lines.map((line) => load<ProductState>(PRODUCT, line.productId)));
      return {
        ...command,
        customerRegion: customer.status === 'absent' ? null : customer.region,
        lines: command.lines.map((line, index) => ({ ...line, product: snapshot(products[index]!) })),
      };
    },
  ),
  define('payOrder', (input, { now }) => {
    const orderId = requireUuid(input.id, 'id');
    return {
      aggregateId: orderId,
      command: { type: 'PayOrder', orderId, amount: requireAmount(input.amount, 'amount', MAX_ORDER_TOTAL_CENTS), now },
    };
  }),
  define('shipOrder', (input, { now }) => {
    const orderId = requireUuid(input.id, 'id');
    return { aggregateId: orderId, command: { type: 'ShipOrder', orderId, now } };
  }),
  define('cancelOrder', (input, { now }) => {
    const orderId = requireUuid(input.id, 'id');
    return {
      aggregateId: orderId,
      command: { type: 'CancelOrder', orderId, reason: optionalString(input.reason, 'reason', 500) || null, now },
    };
  }),
];

/** Saga steps on orders: not served to clients. */
export const confirmOrder = define('confirmOrder', (input, { now }) => {
  const orderId = requireUuid(input.id, 'id');
  return { aggregateId: orderId, command: { type: 'ConfirmOrder', orderId, now } };
});

export const rejectOrder = define('rejectOrder', (input, { now }) => {
  const orderId = requireUuid(input.id, 'id');
  const reason = input.reason as RejectionReason;
  return {
    aggregateId: orderId,
    command: { type: 'RejectOrder', orderId, reason, productId: requireUuid(input.productId, 'productId'), now },
  };
});
