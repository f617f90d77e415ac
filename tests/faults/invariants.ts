import pg from 'pg';
import type { Acked, Fixture } from './load-driver.js';
import type { LiveValue, LiveView } from './live-view.js';

/** What the checks found for one scenario (one tenant). `details` says where, one line each. */
export interface InvariantReport {
  /** Acknowledged effects missing: from the event store, or from a read model. */
  lost: number;
  /** Effects present twice: two event sets for one key, or an event applied twice to a read model. */
  duplicated: number;
  /** Orders with OrderPlaced and no decision (OrderConfirmed, OrderRejected or OrderCancelled) in the store. */
  undecided: number;
  /** Reservations held in the store that differ from the confirmed orders' lines. */
  stockMismatches: number;
  /**
   * What the gateway shows against the product view: the live subscriptions' last values and
   * the answers of token-less product queries (its view cache). 'ok', or what differs.
   */
  live: string;
  details: string[];
}

export function isClean(report: InvariantReport): boolean {
  return report.lost === 0 && report.duplicated === 0 && report.undecided === 0 && report.stockMismatches === 0 && report.live === 'ok';
}

interface StoredEvent {
  stream_type: string;
  stream_id: string;
  version: number;
  type: string;
  data: Record<string, any>;
  correlation_id: string | null;
}

const STATUS_OF: Record<string, string> = {
  OrderPlaced: 'PENDING',
  OrderConfirmed: 'CONFIRMED',
  OrderRejected: 'REJECTED',
  OrderPaid: 'PAID',
  OrderShipped: 'SHIPPED',
  OrderCancelled: 'CANCELLED',
};
/** Statuses whose stock stays reserved (and whose units count as sold). */
const HOLDING = new Set(['CONFIRMED', 'PAID', 'SHIPPED']);
/** The application_name of the checker's connections. */
export const CHECKER = 'fault-checker';

/**
 * The invariants of a scenario, read straight from the write database (events, idempotency
 * keys: the truth) and the read database (the views), both with `pg`, for one tenant.
 */
export class InvariantChecker {
  constructor(
    private readonly writeUrl: string,
    private readonly readUrl: string,
  ) {}

  /**
   * Checks with connections of its own each time (named `fault-checker`, which fault injection
   * spares): a server restart or a terminated backend between two checks does not matter.
   */
  async check(
    fixture: Fixture,
    acked: readonly Acked[],
    live: readonly LiveView[],
    gateway: ReadonlyMap<string, LiveValue | null>,
  ): Promise<InvariantReport> {
    const write = new pg.Client({ connectionString: this.writeUrl, application_name: CHECKER });
    const read = new pg.Client({ connectionString: this.readUrl, application_name: CHECKER });
    write.on('error', () => undefined);
    read.on('error', () => undefined);
    try {
      await write.connect();
      await read.connect();
      return await this.checkWith(write, read, fixture, acked, live, gateway);
    } finally {
      await Promise.allSettled([write.end(), read.end()]);
    }
  }

  private async checkWith(
    write: pg.Client,
    read: pg.Client,
    fixture: Fixture,
    acked: readonly Acked[],
    live: readonly LiveView[],
    gateway: ReadonlyMap<string, LiveValue | null>,
  ): Promise<InvariantReport> {
    const report: InvariantReport = { lost: 0, duplicated: 0, undecided: 0, stockMismatches: 0, live: 'ok', details: [] };
    const { tenant } = fixture;
    const events = (
      await write.query<StoredEvent>(
        `select stream_type, stream_id, version, type, data, metadata->>'correlationId' as correlation_id
         from events where tenant = $1 order by global_position`,
        [tenant],
      )
    ).rows;
    const keys = new Set(
      (await write.query<{ key: string }>('select key from idempotency_keys where tenant = $1', [tenant])).rows.map((r) => r.key),
    );
    // One snapshot of the read models, so that they are compared at one moment.
    await read.query('begin isolation level repeatable read read only');
    const products = await read.query<{ id: string; available_quantity: number; version: number }>(
      'select id, available_quantity, version from product_view where tenant = $1',
      [tenant],
    );
    const orders = await read.query<{ id: string; status: string; version: number }>(
      'select id, status, version from order_view where tenant = $1',
      [tenant],
    );
    const customers = await read.query<{ id: string; orders_count: number }>(
      'select id, orders_count from customer_view where tenant = $1',
      [tenant],
    );
    const top = await read.query<{ product_id: string; units_sold: number }>(
      'select product_id, units_sold from top_products where tenant = $1',
      [tenant],
    );
    await read.query('commit');
    const note = (kind: 'lost' | 'duplicated' | 'undecided' | 'stockMismatches', count: number, detail: string) => {
      if (count <= 0) return;
      report[kind] += count;
      if (report.details.length < 40) report.details.push(`${kind}: ${detail}`);
    };

    // 1. Every acknowledged command has exactly one event set in the store, and its key's record.
    const expectedType = { restock: 'ProductRestocked', place: 'OrderPlaced', cancel: 'OrderCancelled' } as const;
    const byCorrelation = new Map<string, number>();
    for (const e of events) {
      if (e.correlation_id)
        byCorrelation.set(
          `${e.correlation_id}/${e.type}/${e.stream_id}`,
          (byCorrelation.get(`${e.correlation_id}/${e.type}/${e.stream_id}`) ?? 0) + 1,
        );
    }
    for (const command of acked) {
      const stream = command.kind === 'restock' ? command.productId : command.orderId;
      const found = byCorrelation.get(`${command.key}/${expectedType[command.kind]}/${stream}`) ?? 0;
      if (found === 0)
        note('lost', 1, `acknowledged ${command.kind} ${command.key} has no ${expectedType[command.kind]} in the event store`);
      if (found > 1)
        note(
          'duplicated',
          found - 1,
          `${command.kind} ${command.key} has ${found} ${expectedType[command.kind]} events in the event store`,
        );
      if (!keys.has(command.key)) note('lost', 1, `acknowledged ${command.kind} ${command.key} has no idempotency record`);
    }

    // 2. Fold the store: products (available, version), orders (status, version, lines).
    const product = new Map<string, { available: number; version: number; held: Map<string, number> }>();
    const order = new Map<
      string,
      { status: string; version: number; customerId: string; lines: { productId: string; quantity: number }[] }
    >();
    for (const e of events) {
      if (e.stream_type === 'Product') {
        const p = product.get(e.stream_id) ?? { available: 0, version: 0, held: new Map<string, number>() };
        p.version = Math.max(p.version, e.version);
        if (e.type === 'ProductCreated') p.available += Number(e.data.initialStock ?? 0);
        if (e.type === 'ProductRestocked') p.available += Number(e.data.quantity);
        if (e.type === 'StockReserved') {
          p.available -= Number(e.data.quantity);
          p.held.set(e.data.orderId, Number(e.data.quantity));
        }
        if (e.type === 'StockReleased') {
          p.available += Number(e.data.quantity);
          p.held.delete(e.data.orderId);
        }
        product.set(e.stream_id, p);
      }
      if (e.stream_type === 'Order') {
        const status = STATUS_OF[e.type];
        const o = order.get(e.stream_id) ?? { status: 'PENDING', version: 0, customerId: String(e.data.customerId), lines: [] };
        if (status) o.status = status;
        o.version = Math.max(o.version, e.version);
        if (e.type === 'OrderPlaced')
          o.lines = (e.data.lines as { productId: string; quantity: number }[]).map((l) => ({
            productId: l.productId,
            quantity: Number(l.quantity),
          }));
        order.set(e.stream_id, o);
      }
    }

    // 3. The product view equals the fold, for every product of the scenario.
    const productRows = new Map(products.rows.map((r) => [r.id, r]));
    for (const [id, expected] of product) {
      const row = productRows.get(id);
      const restockOnly = fixture.restockOnly.includes(id) || id === fixture.quiet;
      if (!row) {
        note('lost', expected.version, `product_view has no row for product ${id} (${expected.version} events)`);
        continue;
      }
      const difference = row.available_quantity - expected.available;
      if (difference === 0 && row.version === expected.version) continue;
      const where = `product_view ${id}${restockOnly ? ' (restocks of 1 unit only)' : ''}: available ${row.available_quantity} version ${row.version}, the store says ${expected.available} version ${expected.version}`;
      // On a restock-only product each event is one unit: the difference counts the events exactly.
      // On an ordered product restocks, reservations and releases mix: a row that differs misses
      // at least one event (a doubled one would need the same version twice, which the view refuses).
      if (restockOnly) note(difference < 0 ? 'lost' : 'duplicated', Math.abs(difference) || 1, where);
      else note('lost', 1, where);
    }

    // 4. Every order decided in the store; the order view at the store's status and version.
    const orderRows = new Map(orders.rows.map((r) => [r.id, r]));
    for (const [id, expected] of order) {
      if (expected.status === 'PENDING') note('undecided', 1, `order ${id} has OrderPlaced and no decision in the event store`);
      const row = orderRows.get(id);
      if (!row) note('lost', 1, `order_view has no row for order ${id} (${expected.status} v${expected.version} in the store)`);
      else if (row.status !== expected.status || row.version !== expected.version) {
        note(
          row.version > expected.version ? 'duplicated' : 'lost',
          1,
          `order_view ${id}: ${row.status} v${row.version}, the store says ${expected.status} v${expected.version}`,
        );
      }
    }

    // 5. Reserved stock equals the lines of the orders that hold it (confirmed, paid, shipped).
    const held = new Map<string, number>();
    for (const [productId, p] of product) for (const [orderId, quantity] of p.held) held.set(`${productId}/${orderId}`, quantity);
    const owed = new Map<string, number>();
    for (const [orderId, o] of order) if (HOLDING.has(o.status)) for (const l of o.lines) owed.set(`${l.productId}/${orderId}`, l.quantity);
    for (const [key, quantity] of held) {
      if (owed.get(key) !== quantity)
        note('stockMismatches', 1, `reservation ${key} of ${quantity} held, the order holds ${owed.get(key) ?? 'nothing'}`);
    }
    for (const [key, quantity] of owed)
      if (!held.has(key)) note('stockMismatches', 1, `order line ${key} of ${quantity} is confirmed without a reservation`);

    // 6. Multi-stream views: orders per customer, units sold per product.
    const placedBy = new Map<string, number>();
    for (const o of order.values()) placedBy.set(o.customerId, (placedBy.get(o.customerId) ?? 0) + 1);
    for (const row of customers.rows) {
      const difference = row.orders_count - (placedBy.get(row.id) ?? 0);
      if (difference !== 0)
        note(
          difference < 0 ? 'lost' : 'duplicated',
          Math.abs(difference),
          `customer_view ${row.id}: ordersCount ${row.orders_count}, the store has ${placedBy.get(row.id) ?? 0} orders`,
        );
    }
    if (!customers.rows.some((r) => r.id === fixture.customerId))
      note('lost', 1, `customer_view has no row for customer ${fixture.customerId}`);
    const sold = new Map<string, number>();
    for (const o of order.values())
      if (HOLDING.has(o.status)) for (const l of o.lines) sold.set(l.productId, (sold.get(l.productId) ?? 0) + l.quantity);
    const topRows = new Map(top.rows.map((r) => [r.product_id, r.units_sold]));
    for (const id of new Set([...sold.keys(), ...topRows.keys()])) {
      const difference = (topRows.get(id) ?? 0) - (sold.get(id) ?? 0);
      // More units than held is a cancellation missed as much as a confirmation applied twice: counted lost.
      if (difference !== 0)
        note('lost', 1, `top_products ${id}: ${topRows.get(id) ?? 0} units sold, the store's confirmed orders hold ${sold.get(id) ?? 0}`);
    }

    // 7. The gateway shows the product view as it stands: live subscriptions and cached queries.
    const stale: string[] = [];
    for (const view of live) {
      const row = productRows.get(view.productId);
      const last = view.last;
      if (!row || !last) stale.push(`live ${view.productId.slice(0, 8)}: ${last ? 'no view row' : 'nothing received'}`);
      else if (last.version !== row.version || last.availableQuantity !== row.available_quantity) {
        stale.push(`live ${view.productId.slice(0, 8)} at v${last.version}, view v${row.version}`);
      } else if (view.regressions > 0) stale.push(`live ${view.productId.slice(0, 8)}: ${view.regressions} version regression(s)`);
    }
    for (const [id, answer] of gateway) {
      const row = productRows.get(id);
      if (row && (answer?.version !== row.version || answer.availableQuantity !== row.available_quantity)) {
        stale.push(`query ${id.slice(0, 8)} at v${answer?.version ?? '-'}, view v${row.version}`);
      }
    }
    if (stale.length) {
      report.live = stale.join('; ');
      if (report.details.length < 40) report.details.push(`stale in the gateway: ${report.live}`);
    }
    return report;
  }
}
