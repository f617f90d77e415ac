import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type RetryingClient, type Outcome } from './retrying-client.js';

const CREATE_PRODUCT = 'mutation($input: CreateProductInput!) { createProduct(input: $input) { aggregateId version } }';
const REGISTER_CUSTOMER = 'mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { aggregateId version } }';
const RESTOCK = 'mutation($input: RestockProductInput!) { restockProduct(input: $input) { aggregateId version replayed } }';
const PLACE_ORDER = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { aggregateId version replayed } }';
const CANCEL_ORDER = 'mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { aggregateId version replayed } }';

interface Result {
  aggregateId: string;
  version: number;
  replayed?: boolean;
}

/** The products and customer of one scenario (its own tenant, so that nothing else touches them). */
export interface Fixture {
  tenant: string;
  /** Only restocked, by 1 unit each: a missing or doubled restock shows as exactly one unit. */
  restockOnly: string[];
  /** Ordered against (and restocked now and then), so that some orders confirm and some are rejected. */
  ordered: string[];
  /**
   * Restocked by 1 unit once per round, as the fault starts, and never otherwise: the change's
   * notice is the last of the product, so a gateway that misses it stays stale (no later change
   * repairs it).
   */
  quiet: string;
  customerId: string;
}

/** A command the system acknowledged (answered with data), with the key it was sent with. */
export type Acked =
  | { kind: 'restock'; key: string; productId: string; quantity: number; version: number }
  | { kind: 'place'; key: string; orderId: string; lines: { productId: string; quantity: number }[] }
  | { kind: 'cancel'; key: string; orderId: string };

export interface LoadOptions {
  restockWorkers: number;
  orderWorkers: number;
  /** Pause between two operations of one worker: the load's shape, not a synchronisation. */
  paceMs: number;
  /** Share of placed orders cancelled right after placement (races the saga). */
  cancelShare: number;
}

export const DEFAULT_LOAD: LoadOptions = { restockWorkers: 3, orderWorkers: 2, paceMs: 15, cancelShare: 0.2 };

/**
 * A steady load of idempotent mutations through the gateway: restocks, orders through the saga
 * and some cancellations, each retried with its key until answered. Remembers what was
 * acknowledged (for the invariants) and when commands succeeded (for the time to recover).
 */
export class LoadDriver {
  readonly acked: Acked[] = [];
  /** Definitive refusals (business errors) by command and code: none is expected but a cancel's INVALID_STATE. */
  readonly refused = new Map<string, number>();
  /** Start of the last attempt of every acknowledged command, in the order they were answered. */
  private readonly successes: { attemptAt: number; answeredAt: number }[] = [];
  private running = false;
  private workers: Promise<void>[] = [];
  private sequence = 0;
  private failure: Error | undefined;

  constructor(
    private readonly client: RetryingClient,
    private readonly fixture: Fixture,
    private readonly options: LoadOptions = DEFAULT_LOAD,
  ) {}

  /** Creates a scenario's products and customer through the API (retrying, as the load does). */
  static async prepare(
    client: RetryingClient,
    tenant: string,
    counts = { restockOnly: 2, ordered: 3 },
    initialStock = 25,
  ): Promise<Fixture> {
    const create = async (title: string, stock: number) => {
      const id = randomUUID();
      const input = { id, sku: `F-${id.slice(0, 8).toUpperCase()}`, title, category: 'faults', price: '4.00', initialStock: stock };
      return definite(await client.mutate<Result>('createProduct', CREATE_PRODUCT, input, `create:${id}`)).aggregateId;
    };
    const restockOnly = await Promise.all(Array.from({ length: counts.restockOnly }, (_, i) => create(`Restocked ${i}`, 0)));
    const ordered = await Promise.all(Array.from({ length: counts.ordered }, (_, i) => create(`Ordered ${i}`, initialStock)));
    const quiet = await create('Quiet', 0);
    const email = `load-${randomUUID()}@example.com`;
    const customer = definite(
      await client.mutate<Result>('registerCustomer', REGISTER_CUSTOMER, { name: 'Load', email, region: 'faults' }, `register:${email}`),
    );
    return { tenant, restockOnly, ordered, quiet, customerId: customer.aggregateId };
  }

  get operations(): number {
    return this.acked.length;
  }

  start(): void {
    this.running = true;
    const loop = async (work: () => Promise<void>) => {
      while (this.running) {
        try {
          await work();
        } catch (error) {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
          this.running = false;
        }
        await delay(this.options.paceMs);
      }
    };
    for (let i = 0; i < this.options.restockWorkers; i += 1) this.workers.push(loop(() => this.restock()));
    for (let i = 0; i < this.options.orderWorkers; i += 1) this.workers.push(loop(() => this.order()));
  }

  /** Stops sending new commands and waits until every command in flight has its answer. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.workers = [];
    if (this.failure) throw this.failure;
  }

  /** Commands acknowledged so far. */
  successesSince(at: number): number {
    return this.successes.filter((s) => s.attemptAt >= at).length;
  }

  /** When the first command sent at or after `at` was acknowledged (undefined while none has been). */
  firstSuccessAfter(at: number): number | undefined {
    return this.successes.find((s) => s.attemptAt >= at)?.answeredAt;
  }

  private nextKey(kind: string): string {
    this.sequence += 1;
    return `${this.fixture.tenant}:${kind}:${this.sequence}`;
  }

  /** One restock of the quiet product (see Fixture.quiet), retried like any other. */
  async touchQuiet(): Promise<void> {
    const key = this.nextKey('quiet');
    const outcome = await this.client.mutate<Result>('restockProduct', RESTOCK, { id: this.fixture.quiet, quantity: 1 }, key);
    if (this.record('restock', outcome))
      this.acked.push({ kind: 'restock', key, productId: this.fixture.quiet, quantity: 1, version: outcome.data.version });
  }

  private async restock(): Promise<void> {
    const toOrdered = Math.random() < 0.3;
    const productId = pick(toOrdered ? this.fixture.ordered : this.fixture.restockOnly);
    const quantity = toOrdered ? 1 + Math.floor(Math.random() * 3) : 1;
    const key = this.nextKey('restock');
    const outcome = await this.client.mutate<Result>('restockProduct', RESTOCK, { id: productId, quantity }, key);
    if (this.record('restock', outcome)) this.acked.push({ kind: 'restock', key, productId, quantity, version: outcome.data.version });
  }

  private async order(): Promise<void> {
    const first = pick(this.fixture.ordered);
    const second = Math.random() < 0.4 ? pick(this.fixture.ordered.filter((p) => p !== first)) : undefined;
    const lines = [first, ...(second ? [second] : [])].map((productId) => ({ productId, quantity: 1 + Math.floor(Math.random() * 3) }));
    const key = this.nextKey('order');
    const placed = await this.client.mutate<Result>('placeOrder', PLACE_ORDER, { customerId: this.fixture.customerId, lines }, key);
    if (!this.record('placeOrder', placed)) return;
    const orderId = placed.data.aggregateId;
    this.acked.push({ kind: 'place', key, orderId, lines });
    if (Math.random() >= this.options.cancelShare) return;
    const cancelKey = `${key}:cancel`;
    const cancelled = await this.client.mutate<Result>('cancelOrder', CANCEL_ORDER, { id: orderId, reason: 'changed my mind' }, cancelKey);
    // A cancel that loses the race against a rejection is refused: INVALID_STATE is an answer.
    if (!cancelled.ok && cancelled.code === 'INVALID_STATE') return;
    if (this.record('cancelOrder', cancelled)) this.acked.push({ kind: 'cancel', key: cancelKey, orderId });
  }

  private record<T>(command: string, outcome: Outcome<T>): outcome is Extract<Outcome<T>, { ok: true }> {
    if (!outcome.ok) {
      const label = `${command} ${outcome.code}`;
      this.refused.set(label, (this.refused.get(label) ?? 0) + 1);
      return false;
    }
    this.successes.push({ attemptAt: outcome.lastAttemptAt, answeredAt: outcome.answeredAt });
    return true;
  }
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

function definite<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`refused with ${outcome.code}`);
  return outcome.data;
}
