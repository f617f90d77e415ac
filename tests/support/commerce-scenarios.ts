import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { ORDER, type OrderCancelled, type OrderLineData, type OrderPlaced } from '../../schema/events/order-events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_PRICE_CENTS, MAX_PRODUCT_STOCK, MAX_RESTOCK_QUANTITY } from '../../schema/limits.js';
import { fromCents, toCents } from '../../schema/money.js';
import type { OrderState } from '../../write-service/domain/order.js';
import type { WriteCommand } from '../../write-service/registry.js';
import { decideOnReservationFailure, refusedByOrderStatus } from '../../write-service/sagas/order-saga-decisions.js';
import { InMemoryWriteSide, type Outcome } from './write-model.js';

/**
 * Generated commerce histories for property tests: raw inputs as a client sends them, at and
 * just past each limit of schema/limits.ts, run through the write side's command definitions and
 * deciders in memory (InMemoryWriteSide), with the order saga's steps. What the write side
 * refuses is simply refused; what it accepts is in `write.published`.
 */

export const DAY_MS = 86_400_000;
/** When a history starts (its clock moves a second per command, and by the generated ticks). */
export const START = Date.parse('2026-03-01T00:00:00.000Z');

// ---------- generated inputs ----------

export const MAX_PRICE = fromCents(MAX_PRICE_CENTS);
const price = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(MAX_PRICE, fromCents(MAX_PRICE_CENTS + 1n), '0.01', '19.99') },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: MAX_PRICE_CENTS }).map(fromCents) },
);
// Near the cap: a restock or two reaches it, a few go past it.
const initialStock = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      0,
      1,
      MAX_PRODUCT_STOCK,
      MAX_PRODUCT_STOCK + 1,
      MAX_PRODUCT_STOCK - MAX_RESTOCK_QUANTITY,
      MAX_PRODUCT_STOCK - 2 * MAX_RESTOCK_QUANTITY + 1,
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_PRODUCT_STOCK }) },
);
const restockQuantity = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(1, MAX_RESTOCK_QUANTITY, MAX_RESTOCK_QUANTITY + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_RESTOCK_QUANTITY }) },
);
const lineQuantity = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, MAX_LINE_QUANTITY, MAX_LINE_QUANTITY + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_LINE_QUANTITY }) },
);
const lineCount = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(MAX_ORDER_LINES) },
  { weight: 1, arbitrary: fc.constant(MAX_ORDER_LINES + 1) },
);

export interface ProductSpec {
  price: string;
  initialStock: number | undefined;
}
export type Action =
  | { kind: 'restock'; product: number; quantity: number }
  | { kind: 'reprice'; product: number; price: string }
  | { kind: 'rename'; product: number }
  | { kind: 'discontinue'; product: number }
  | { kind: 'place'; customer: number; offset: number; count: number; quantity: number; varied: number[] }
  | { kind: 'pay'; order: number; exact: boolean }
  | { kind: 'ship'; order: number }
  | { kind: 'cancel'; order: number }
  | { kind: 'review'; product: number; customer: number; rating: number }
  | { kind: 'tick'; ms: number };

export interface Scenario {
  products: ProductSpec[];
  /** One customer per region listed. */
  regions: string[];
  actions: Action[];
  /** Order events the saga leaves waiting after each action (0: it keeps up; more: clients act before it). */
  sagaLag: number;
  /** Events per set-based batch. */
  batchSize: number;
}

const product = fc.record({ price, initialStock });
/** Within every limit: a catalog of them takes orders of the most lines. */
const acceptedProduct = fc.record({
  price: fc.oneof(fc.constant(MAX_PRICE), fc.bigInt({ min: 1n, max: MAX_PRICE_CENTS }).map(fromCents)),
  initialStock: fc.oneof(fc.constant(MAX_PRODUCT_STOCK), fc.integer({ min: MAX_LINE_QUANTITY, max: MAX_PRODUCT_STOCK })),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('restock' as const), product: fc.nat(), quantity: restockQuantity }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprice' as const), product: fc.nat(), price }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), product: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('discontinue' as const), product: fc.nat() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      customer: fc.nat(),
      offset: fc.nat(),
      count: lineCount,
      quantity: lineQuantity,
      varied: fc.array(lineQuantity, { maxLength: 3 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      order: fc.nat(),
      exact: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ship' as const), order: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), order: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('review' as const),
      product: fc.nat(),
      customer: fc.nat(),
      rating: fc.integer({ min: 0, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2 * DAY_MS }) }) },
);
export const scenario: fc.Arbitrary<Scenario> = fc.record({
  products: fc.oneof(
    { weight: 4, arbitrary: fc.array(product, { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(acceptedProduct, { minLength: MAX_ORDER_LINES, maxLength: MAX_ORDER_LINES + 1 }) },
  ),
  regions: fc.array(fc.constantFrom('eu', 'us', 'apac'), { minLength: 1, maxLength: 3 }),
  actions: fc.array(action, { minLength: 5, maxLength: 40 }),
  sagaLag: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  batchSize: fc.oneof(fc.integer({ min: 2, max: 50 }), fc.constant(500)),
});

// ---------- the write side, and the saga, in memory ----------

/** A history as the write side would accept it: ids of what exists, and every published event. */
export interface History {
  write: InMemoryWriteSide;
  products: string[];
  customers: string[];
  orders: string[];
}

export async function writeHistory(spec: Scenario): Promise<History> {
  const write = new InMemoryWriteSide(`t-${randomUUID()}`);
  const history: History = { write, products: [], customers: [], orders: [] };
  let clock = START;
  const now = () => new Date((clock += 1000)).toISOString();
  const sagaQueue: EventEnvelope[] = [];
  const queued = (outcome: Outcome) => {
    if (outcome.accepted) sagaQueue.push(...outcome.events.filter((e) => e.type === 'OrderPlaced' || e.type === 'OrderCancelled'));
    return outcome;
  };
  const run = async (mutation: string, input: Record<string, unknown>) => queued(await write.accept(mutation, input, now()));
  const sagaStep: Step = async (command) => queued(await write.execute({ ...command, now: now() }));
  const pick = <T>(list: readonly T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % list.length]);
  const ordersIn = (status: string) => {
    const found = history.orders.filter((id) => write.state<OrderState>(ORDER, id).status === status);
    return found.length > 0 ? found : history.orders;
  };

  for (const [index, { price: p, initialStock: stock }] of spec.products.entries()) {
    const outcome = await run('createProduct', {
      sku: `SKU-${index}`,
      title: `Product ${index}`,
      category: 'bulk',
      price: p,
      ...(stock === undefined ? {} : { initialStock: stock }),
    });
    if (outcome.accepted) history.products.push(outcome.aggregateId);
  }
  for (const [index, region] of spec.regions.entries()) {
    const outcome = await run('registerCustomer', { name: `Customer ${index}`, email: `c${index}@example.com`, region });
    if (outcome.accepted) history.customers.push(outcome.aggregateId);
  }
  for (const step of spec.actions) {
    switch (step.kind) {
      case 'restock': {
        const id = pick(history.products, step.product);
        if (id) await run('restockProduct', { id, quantity: step.quantity });
        break;
      }
      case 'reprice': {
        const id = pick(history.products, step.product);
        if (id) await run('changeProductPrice', { id, price: step.price });
        break;
      }
      case 'rename': {
        const id = pick(history.products, step.product);
        if (id) await run('renameProduct', { id, title: `Renamed ${clock}` });
        break;
      }
      case 'discontinue': {
        const id = pick(history.products, step.product);
        if (id) await run('discontinueProduct', { id });
        break;
      }
      case 'place': {
        const customerId = pick(history.customers, step.customer);
        const count = Math.min(step.count, history.products.length);
        if (!customerId || count === 0) break;
        const lines = Array.from({ length: count }, (_, i) => ({
          productId: history.products[(step.offset + i) % history.products.length]!,
          quantity: step.varied[i] ?? step.quantity,
        }));
        const outcome = await run('placeOrder', { customerId, lines });
        if (outcome.accepted) history.orders.push(outcome.aggregateId);
        break;
      }
      case 'pay': {
        // A client pays what was confirmed (any order when none is: refused).
        const id = pick(ordersIn('CONFIRMED'), step.order);
        if (!id) break;
        const order = write.state<OrderState>(ORDER, id);
        const total = order.status === 'absent' ? '1.00' : order.total;
        await run('payOrder', { id, amount: step.exact ? total : fromCents(toCents(total) + 1n) });
        break;
      }
      case 'ship': {
        const id = pick(ordersIn('PAID'), step.order);
        if (id) await run('shipOrder', { id });
        break;
      }
      case 'cancel': {
        const id = pick(history.orders, step.order);
        if (id) await run('cancelOrder', { id, reason: 'changed my mind' });
        break;
      }
      case 'review': {
        const productId = pick(history.products, step.product);
        const customerId = pick(history.customers, step.customer);
        if (productId && customerId) await run('addReview', { productId, customerId, rating: step.rating });
        break;
      }
      case 'tick':
        clock += step.ms;
        break;
      default: {
        const unknown: never = step;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
    while (sagaQueue.length > spec.sagaLag) await sagaHandle(sagaQueue.shift()!, sagaStep);
  }
  // The saga catches up with every order event, as it does in the write-service.
  for (let event = sagaQueue.shift(); event; event = sagaQueue.shift()) await sagaHandle(event, sagaStep);
  return history;
}

/** A saga step: a typed command, timed by the history's clock. */
type Step = (command: DistributiveOmit<WriteCommand, 'now'>) => Promise<Outcome>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What write-service/sagas/order-saga.ts does with an order event, step by step through the same commands. */
async function sagaHandle(event: EventEnvelope, step: Step): Promise<void> {
  const releaseAll = async (orderId: string, lines: readonly OrderLineData[]) => {
    for (const { productId } of lines) {
      const outcome = await step({ type: 'ReleaseStock', productId, orderId });
      if (!outcome.accepted) throw outcome.error;
    }
  };
  if (event.type === 'OrderCancelled') {
    const { orderId, lines } = (event as EventEnvelope & OrderCancelled).data;
    return releaseAll(orderId, lines);
  }
  const { orderId, lines } = (event as EventEnvelope & OrderPlaced).data;
  for (const { productId, quantity } of lines) {
    const reserved = await step({ type: 'ReserveStock', productId, orderId, quantity });
    if (reserved.accepted) continue;
    const rejection = decideOnReservationFailure(reserved.error, productId);
    if (!rejection) throw reserved.error;
    const rejected = await step({ type: 'RejectOrder', orderId, ...rejection });
    if (!rejected.accepted && !refusedByOrderStatus(rejected.error)) throw rejected.error;
    return releaseAll(orderId, lines);
  }
  const confirmed = await step({ type: 'ConfirmOrder', orderId });
  if (confirmed.accepted) return;
  if (!refusedByOrderStatus(confirmed.error)) throw confirmed.error;
  return releaseAll(orderId, lines); // cancelled while its stock was being reserved
}
