import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openOrm, type Orm } from '../../platform/postgres/index.js';
import type { Subjects } from '../../platform/index.js';
import { type EventEnvelope, type OrderLineData, reviewStreamId, PRODUCT_PROJECTION, schemaVersionOf } from '../../schema/index.js';
import { readMigrations, readModelNamed, readModels, rebuildProjections, type ReadModel } from '../../read-service/index.js';

const productView = readModelNamed(PRODUCT_PROJECTION)!;

export interface RebuildFigures {
  /** Stream messages the rebuild replayed (the whole stream up to the live checkpoint). */
  events: number;
  seconds: number;
  eventsPerSecond: number;
  projection: string;
}

export interface MeasureRebuildOptions {
  natsUrl: string;
  subjects: Subjects;
  readDatabaseUrl: string;
  /** The read database's ORM when the caller has one open; else one is opened (and closed). */
  orm?: Orm;
  /** How many events to publish before the rebuild (the stream may hold others already); 0 publishes none. */
  events: number;
  /** Then also time a rebuild of every projection (one replay, one switch), as `all`. */
  all?: boolean;
  tenant?: string;
}

/**
 * Publishes `events` events of a realistic commerce mix (products created, restocked, repriced,
 * renamed, reviewed; customers registered; orders placed with stock reserved, confirmed, paid,
 * shipped, some rejected or cancelled with stock released) straight into the stream of a running
 * system, as the relay would (Nats-Msg-Id = event id); waits until they are stored and the live
 * projections have applied them (a rebuild replays up to the live checkpoints); then times a
 * blue/green rebuild of the product view, and of all projections when asked. The time covers the
 * whole rebuild: copies created, replay, indexes, switch.
 */
export async function measureRebuild(options: MeasureRebuildOptions): Promise<RebuildFigures & { all?: RebuildFigures }> {
  const nc = await connect({ servers: options.natsUrl });
  const orm = options.orm ?? (await openOrm({ url: options.readDatabaseUrl, entities: [], migrations: readMigrations }));
  try {
    const js = jetstream(nc);
    const last =
      options.events > 0
        ? await publishMix(js, options.subjects, commerceMix(options.tenant ?? 'demo', options.events))
        : (await (await js.jetstreamManager()).streams.info(options.subjects.stream)).state.last_seq;
    const names = (options.all ? readModels : [productView]).map((p) => p.name);
    const deadline = Date.now() + 900_000;
    for (;;) {
      const rows = await (orm.em.fork() as EntityManager).execute<{ position: string }[]>(
        'select position from projection_checkpoints where projection in (?)',
        [names],
      );
      if (rows.length === names.length && rows.every((row) => Number(row.position) >= last)) break;
      if (Date.now() > deadline) throw new Error(`the live projections did not reach ${last} within 15 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const figures = await timeRebuild(orm, options, nc, [productView]);
    return options.all ? { ...figures, all: await timeRebuild(orm, options, nc, readModels) } : figures;
  } finally {
    if (!options.orm) await orm.close();
    await nc.close();
  }
}

async function timeRebuild(
  orm: Orm,
  options: MeasureRebuildOptions,
  nc: NatsConnection,
  which: readonly ReadModel[],
): Promise<RebuildFigures> {
  const started = performance.now();
  const report = await rebuildProjections({
    orm,
    databaseUrl: options.readDatabaseUrl,
    nc,
    js: jetstream(nc),
    subjects: options.subjects,
    projections: which,
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    events: report.eventsReplayed,
    seconds: Math.round(seconds * 1000) / 1000,
    eventsPerSecond: Math.round(report.eventsReplayed / seconds),
    projection: which.length === 1 ? which[0]!.name : 'all',
  };
}

/** Publishes pipelined (a window of acks in flight); returns the stream sequence of the last. */
export async function publishMix(js: JetStreamClient, subjects: Subjects, events: Iterable<EventEnvelope>, window = 512): Promise<number> {
  let last = 0;
  let inFlight: Promise<void>[] = [];
  for (const event of events) {
    inFlight.push(
      js
        .publish(subjects.event(event.tenant, event.aggregateType, event.aggregateId), JSON.stringify(event), { msgID: event.eventId })
        .then((ack) => {
          last = Math.max(last, ack.seq);
        }),
    );
    if (inFlight.length >= window) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  return last;
}

/** A small seeded generator, so that two runs publish the same shape of history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ['north', 'south', 'east', 'west'];
const WORDS = ['enamel', 'mug', 'storm', 'lantern', 'bench', 'chair', 'desk', 'lamp', 'kettle', 'wool', 'blanket', 'cast', 'iron', 'pan'];

/**
 * `count` events of one tenant's commerce history, each aggregate's in version order: about half
 * order events, a third stock movements, the rest catalog, customers and reviews.
 */
export function* commerceMix(tenant: string, count: number, seed = 42): Generator<EventEnvelope> {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const products: { id: string; version: number; price: number; title: string }[] = [];
  const customers: { id: string; region: string }[] = [];
  let clock = Date.parse('2026-03-01T08:00:00.000Z');
  let emitted = 0;
  const at = () => new Date((clock += 1000 + Math.floor(rand() * 20_000))).toISOString();
  const envelope = (aggregateType: string, aggregateId: string, version: number, type: string, data: unknown): EventEnvelope => {
    emitted += 1;
    return {
      eventId: randomUUID(),
      type,
      schemaVersion: schemaVersionOf(type),
      tenant,
      aggregateType,
      aggregateId,
      version,
      occurredAt: new Date(clock).toISOString(),
      data,
      metadata: { correlationId: randomUUID() },
    };
  };
  const productEvent = (product: (typeof products)[number], type: string, data: Record<string, unknown>) =>
    envelope('Product', product.id, ++product.version, type, { productId: product.id, ...data });

  while (emitted < count) {
    const roll = rand();
    if (products.length < 50 || roll < 0.04) {
      const id = randomUUID();
      const title = `${pick(WORDS)} ${pick(WORDS)} ${products.length}`;
      const price = 1 + Math.floor(rand() * 200);
      products.push({ id, version: 1, price, title });
      yield envelope('Product', id, 1, 'ProductCreated', {
        productId: id,
        sku: `MIX-${products.length}`,
        title,
        description: `A ${pick(WORDS)} ${pick(WORDS)} for the ${pick(WORDS)}`,
        category: `cat-${products.length % 12}`,
        price: `${price}.00`,
        currency: 'USD',
        initialStock: 1000,
        createdAt: at(),
      });
    } else if (customers.length < 20 || roll < 0.07) {
      const id = randomUUID();
      const region = pick(REGIONS);
      customers.push({ id, region });
      yield envelope('Customer', id, 1, 'CustomerRegistered', {
        customerId: id,
        name: `Customer ${customers.length}`,
        email: `${id}@example.com`,
        region,
        registeredAt: at(),
      });
    } else if (roll < 0.12) {
      yield productEvent(pick(products), 'ProductRestocked', { quantity: 10 + Math.floor(rand() * 100), restockedAt: at() });
    } else if (roll < 0.14) {
      const product = pick(products);
      const previousPrice = `${product.price}.00`;
      product.price = 1 + Math.floor(rand() * 200);
      yield productEvent(product, 'ProductPriceChanged', { price: `${product.price}.00`, previousPrice, changedAt: at() });
    } else if (roll < 0.15) {
      const product = pick(products);
      const previousTitle = product.title;
      product.title = `${pick(WORDS)} ${pick(WORDS)} ${rand().toString(36).slice(2, 6)}`;
      yield productEvent(product, 'ProductRenamed', { title: product.title, previousTitle, renamedAt: at() });
    } else if (roll < 0.2) {
      const product = pick(products);
      const customerId = randomUUID();
      yield envelope('Review', reviewStreamId(product.id, customerId), 1, 'ReviewAdded', {
        productId: product.id,
        customerId,
        rating: 1 + Math.floor(rand() * 5),
        comment: null,
        addedAt: at(),
      });
    } else {
      yield* orderStory();
    }
  }

  function* orderStory(): Generator<EventEnvelope> {
    const customer = pick(customers);
    const orderId = randomUUID();
    let version = 0;
    const lines: OrderLineData[] = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
      const product = pick(products);
      const quantity = 1 + Math.floor(rand() * 3);
      return {
        productId: product.id,
        sku: `SKU-${product.id.slice(0, 4)}`,
        title: product.title,
        quantity,
        unitPrice: `${product.price}.00`,
        lineTotal: `${product.price * quantity}.00`,
      };
    });
    const total = `${lines.reduce((sum, l) => sum + Number.parseInt(l.lineTotal, 10), 0)}.00`;
    const base = { orderId, customerId: customer.id };
    const order = (type: string, data: Record<string, unknown>) => envelope('Order', orderId, ++version, type, { ...base, ...data });
    const stock = (type: 'StockReserved' | 'StockReleased', of = lines) =>
      of.map((l) => {
        const product = products.find((p) => p.id === l.productId)!;
        return productEvent(product, type, {
          orderId,
          quantity: l.quantity,
          [type === 'StockReserved' ? 'reservedAt' : 'releasedAt']: at(),
        });
      });
    yield order('OrderPlaced', { region: customer.region, lines, total, placedAt: at() });
    if (rand() < 0.1) {
      // The last line is out of stock: the lines before it were reserved, then released.
      const before = lines.slice(0, -1);
      yield* stock('StockReserved', before);
      yield* stock('StockReleased', before);
      yield order('OrderRejected', { reason: 'OUT_OF_STOCK', productId: lines.at(-1)!.productId, rejectedAt: at() });
      return;
    }
    yield* stock('StockReserved');
    yield order('OrderConfirmed', { region: customer.region, lines, total, confirmedAt: at() });
    const fate = rand();
    if (fate < 0.08) {
      yield order('OrderCancelled', {
        region: customer.region,
        reason: 'changed my mind',
        previousStatus: 'CONFIRMED',
        lines,
        total,
        paidAt: null,
        cancelledAt: at(),
      });
      yield* stock('StockReleased');
      return;
    }
    const paidAt = at();
    yield order('OrderPaid', { region: customer.region, amount: total, paidAt });
    if (fate < 0.14) {
      yield order('OrderCancelled', {
        region: customer.region,
        reason: null,
        previousStatus: 'PAID',
        lines,
        total,
        paidAt,
        cancelledAt: at(),
      });
      yield* stock('StockReleased');
      return;
    }
    if (fate < 0.8) yield order('OrderShipped', { shippedAt: at() });
  }
}
