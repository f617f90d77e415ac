import {
  AppError,
  ORDER,
  type OrderEvent,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  MAX_ORDER_TOTAL_CENTS,
  type CancelOrderInput,
  type OrderLineInput,
  type PayOrderInput,
  type PlaceOrderInput,
  type ShipOrderInput,
  optionalString,
  requireAmount,
  requireIntInRange,
  requireUuid,
} from '../../schema/index.js';
import {
  nothingRead,
  orderDecider,
  type OrderCommand,
  type OrderContext,
  type OrderedProduct,
  type OrderState,
  type PlaceOrder,
} from '../domain/order.js';
import { pathsIn, type AggregateDefinition, type StateReader, type Untrusted } from './command-definition.js';
import { idOrNew, inputObject } from './command-input.js';
import { customerAggregate } from './customer-commands.js';
import { productAggregate } from './product-commands.js';

/** Orders: placement (with its customer and products read from the write side), payment, shipping, cancellation, and the saga's outcome. */
export const orderAggregate: AggregateDefinition<OrderCommand, OrderState, OrderEvent, OrderContext> = {
  type: ORDER,
  decider: orderDecider,
  streamId: (command) => command.orderId,
  inputId: 'orderId',
  context: (command, read) => (command.type === 'PlaceOrder' ? placementContext(command, read) : Promise.resolve(nothingRead)),
  commands: {
    PlaceOrder: {
      name: 'placeOrder',
      parse(input: Untrusted<PlaceOrderInput>, { now, newId }) {
        const at = pathsIn<PlaceOrderInput>();
        const orderId = idOrNew(input.id, at('id'), newId);
        const customerId = requireUuid(input.customerId, at('customerId'));
        return { command: { type: 'PlaceOrder', orderId, customerId, lines: parseLines(input.lines), now } };
      },
    },
    PayOrder: {
      name: 'payOrder',
      parse(input: Untrusted<PayOrderInput>, { now }) {
        const at = pathsIn<PayOrderInput>();
        const orderId = requireUuid(input.id, at('id'));
        return { command: { type: 'PayOrder', orderId, amount: requireAmount(input.amount, at('amount'), MAX_ORDER_TOTAL_CENTS), now } };
      },
    },
    ShipOrder: {
      name: 'shipOrder',
      parse(input: Untrusted<ShipOrderInput>, { now }) {
        return { command: { type: 'ShipOrder', orderId: requireUuid(input.id, pathsIn<ShipOrderInput>()('id')), now } };
      },
    },
    CancelOrder: {
      name: 'cancelOrder',
      parse(input: Untrusted<CancelOrderInput>, { now }) {
        const at = pathsIn<CancelOrderInput>();
        const orderId = requireUuid(input.id, at('id'));
        return { command: { type: 'CancelOrder', orderId, reason: optionalString(input.reason, at('reason'), 500) || null, now } };
      },
    },
    ConfirmOrder: { name: 'confirmOrder' },
    RejectOrder: { name: 'rejectOrder' },
  },
};

function parseLines(raw: unknown): PlaceOrder['lines'] {
  if (!Array.isArray(raw) || raw.length === 0) throw AppError.badInput('input.lines', 'input.lines must hold at least one line');
  if (raw.length > MAX_ORDER_LINES) throw AppError.badInput('input.lines', `an order holds at most ${MAX_ORDER_LINES} lines`);
  const seen = new Set<string>();
  return raw.map((element: unknown, index) => {
    const line = inputObject<OrderLineInput>(element);
    const at = (field: keyof OrderLineInput) => `input.lines[${index}].${field}`;
    const productId = requireUuid(line.productId, at('productId'));
    if (seen.has(productId)) throw AppError.badInput(at('productId'), 'each product may appear on one line only');
    seen.add(productId);
    return { productId, quantity: requireIntInRange(line.quantity, at('quantity'), 1, MAX_LINE_QUANTITY) };
  });
}

/** The customer's region and each line's product (price, title) as the write side holds them now, never from a read model. */
async function placementContext(command: PlaceOrder, read: StateReader): Promise<OrderContext> {
  const [customer, ...products] = await Promise.all([
    read(customerAggregate, command.customerId),
    ...command.lines.map((line) => read(productAggregate, line.productId)),
  ]);
  const ordered = new Map<string, OrderedProduct>();
  command.lines.forEach((line, index) => {
    const product = products[index];
    if (product && product.status !== 'absent') {
      ordered.set(line.productId, {
        sku: product.sku,
        title: product.title,
        price: product.price,
        currency: product.currency,
        discontinued: product.status === 'discontinued',
      });
    }
  });
  return {
    customers: customer && customer.status !== 'absent' ? new Map([[command.customerId, { region: customer.region }]]) : new Map(),
    products: ordered,
  };
}
