import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor } from '../../platform/subjects.js';
import type { CommandResult } from '../../schema/messages/command-inputs.js';
import {
  CommandHandler,
  commandNamed,
  EventStore,
  PublishWaiter,
  startOutboxRelay,
  writeMigrations,
  type WriteCommand,
} from '../../write-service/index.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

const TENANT = 'acme';

/**
 * Two handlers over one event store stand for two write-service replicas: each decides first
 * on the state it has cached, so each must cope with a cache the other has made stale.
 */
describe('command handler: decisions on cached states stay correct when another replica wrote', () => {
  let config: Config;
  let orm: Orm;
  let nc: NatsConnection;
  let waiter: PublishWaiter;
  let relay: { stop(): Promise<void> } | undefined;
  let one: CommandHandler;
  let two: CommandHandler;
  let retries = 0;

  before(async () => {
    config = testConfig(uniqueNamespace('handler'));
    const subjects = subjectsFor(config.namespace);
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    const logger = createLogger('handler-test', 'warn');
    nc = await connectNats(config.natsUrl, 'handler-test', logger);
    await ensureEventStream(nc, subjects);
    relay = startOutboxRelay({ databaseUrl: config.writeDatabaseUrl, nc, js: jetstream(nc), subjects, logger });
    waiter = new PublishWaiter(nc, subjects, orm);
    const store = new EventStore(orm, subjects);
    one = new CommandHandler({
      orm,
      store,
      waiter,
      onRetry: () => {
        retries += 1;
      },
    });
    two = new CommandHandler({ orm, store, waiter });
  });

  after(async () => {
    waiter?.close();
    await relay?.stop();
    await nc?.drain().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  /** A client's mutation, as the endpoint hands it to the handler. */
  const run = (handler: CommandHandler, name: string, input: Record<string, unknown>): Promise<CommandResult> =>
    handler.accept(commandNamed(name)!, { tenant: TENANT, userId: 'test', roles: ['admin'], correlationId: randomUUID(), input });
  /** A saga step: typed, with an internal key. */
  const step = (handler: CommandHandler, command: WriteCommand, idempotencyKey?: string): Promise<CommandResult> =>
    handler.execute(command, {
      tenant: TENANT,
      userId: 'saga:test',
      correlationId: randomUUID(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  const now = () => new Date().toISOString();

  async function createProduct(initialStock: number): Promise<string> {
    const created = await run(one, 'createProduct', {
      sku: `SKU-${randomUUID().slice(0, 8)}`,
      title: 'Kettle',
      category: 'kitchen',
      price: '20.00',
      initialStock,
    });
    assert.equal(created.version, 1);
    return created.aggregateId;
  }

  async function events(productId: string): Promise<{ version: number; type: string }[]> {
    return orm.em
      .fork()
      .execute('select version, type from events where tenant = ? and stream_id = ? order by version', [TENANT, productId]);
  }

  it('an append on a stale cached state loses the version race and is decided again on the stored events', async () => {
    const id = await createProduct(5); // cached by one at version 1
    await run(two, 'restockProduct', { id, quantity: 2 }); // version 2, unknown to one
    const restocked = await run(one, 'restockProduct', { id, quantity: 3 });
    assert.equal(restocked.version, 3);
    assert.deepEqual(
      (await events(id)).map((event) => event.version),
      [1, 2, 3],
    );
  });

  it('an event published by another replica drops the cached state it makes stale: no version race lost', async () => {
    const id = await createProduct(5);
    const restocked = await run(two, 'restockProduct', { id, quantity: 2 });
    one.observe({ tenant: TENANT, aggregateType: 'Product', aggregateId: id, version: restocked.version });
    retries = 0;
    const again = await run(one, 'restockProduct', { id, quantity: 3 });
    assert.equal(again.version, 3);
    assert.equal(retries, 0, 'decided on the stored events at once');
    // Its own events (at or below what it cached) keep the entry.
    one.observe({ tenant: TENANT, aggregateType: 'Product', aggregateId: id, version: 3 });
    await run(two, 'restockProduct', { id, quantity: 1 }); // version 4, not observed by one
    await run(one, 'restockProduct', { id, quantity: 1 });
    assert.equal(retries, 1, 'the cached version 3 was used, and lost the race to version 4');
  });

  it('a refusal decided on a stale cached state is checked on the stored events before it is answered', async () => {
    const id = await createProduct(0); // one has it cached with no stock
    await run(two, 'restockProduct', { id, quantity: 10 });
    // On one's cache this is out of stock; on the stored events it is not.
    const reserved = await step(one, { type: 'ReserveStock', productId: id, orderId: randomUUID(), quantity: 4, now: now() });
    assert.equal(reserved.version, 3);
    // A refusal that holds on the stored events is still answered as one.
    await assert.rejects(step(one, { type: 'ReserveStock', productId: id, orderId: randomUUID(), quantity: 7, now: now() }), {
      name: 'DomainError',
      refusal: { reason: 'OutOfStock', productId: id, available: 6 },
    });
  });

  it('a client expectedVersion above the cached version is checked on the stored events', async () => {
    const id = await createProduct(1);
    await run(two, 'renameProduct', { id, title: 'Kettle II' });
    const renamed = await run(one, 'renameProduct', { id, title: 'Kettle III', expectedVersion: 2 });
    assert.equal(renamed.version, 3);
    await assert.rejects(run(one, 'renameProduct', { id, title: 'Kettle IV', expectedVersion: 2 }), {
      name: 'VersionConflict',
      expectedVersion: 2,
      currentVersion: 3,
    });
  });

  it('a repeated idempotency key answers the first result, also where the repeat alone would be refused', async () => {
    const id = await createProduct(3);
    const key = `reserve-${randomUUID()}`;
    const orderId = randomUUID();
    const reserve = (): WriteCommand => ({ type: 'ReserveStock', productId: id, orderId, quantity: 3, now: now() });
    const first = await step(one, reserve(), key);
    assert.equal(first.replayed, false);
    // Decided again, the repeat changes nothing (the stock is held for the order already): the key answers first.
    const repeatedHere = await step(one, reserve(), key);
    const repeatedThere = await step(two, reserve(), key);
    // (A saga step waits for no publication: its first answer carries token 0, a replay whatever the outbox holds by then.)
    for (const repeated of [repeatedHere, repeatedThere]) {
      assert.deepEqual(
        { ...repeated, correlationId: first.correlationId, consistencyToken: first.consistencyToken },
        { ...first, replayed: true },
      );
    }
    // A repeat that would append again (a restock adds) fails on the key in the append, and answers the first too.
    const restockKey = `restock-${randomUUID()}`;
    const restock = await run(one, 'restockProduct', { id, quantity: 1, idempotencyKey: restockKey });
    const again = await run(one, 'restockProduct', { id, quantity: 1, idempotencyKey: restockKey });
    assert.equal(again.replayed, true);
    assert.equal(again.version, restock.version);
    assert.equal((await events(id)).length, restock.version);
    // The same key for another request is refused, whatever the request would decide.
    await assert.rejects(run(two, 'restockProduct', { id, quantity: 2, idempotencyKey: restockKey }), { name: 'IdempotencyKeyReused' });
  });

  it('contention - 96 restocks of one product at once from two replicas, none with an expectedVersion: each succeeds, none is a CONCURRENCY_CONFLICT', async () => {
    const id = await createProduct(0);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 96 }, (_, n) => run(n % 2 === 0 ? one : two, 'restockProduct', { id, quantity: 1 })),
    );
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String(outcome.reason));
    assert.deepEqual(failed, []);
    const stored = await events(id);
    assert.equal(stored.length, 97);
    assert.deepEqual(
      stored.map((event) => event.version),
      stored.map((_event, index) => index + 1),
    );
  });
});
