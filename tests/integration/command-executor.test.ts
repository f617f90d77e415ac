import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/database.js';
import { createLogger } from '../../platform/logger.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor } from '../../platform/subjects.js';
import type { CommandResult } from '../../schema/commands/command-message.js';
import type { CommandDefinition } from '../../write-service/commands/command-definition.js';
import { CommandExecutor } from '../../write-service/commands/command-executor.js';
import { productCommands, reserveStock } from '../../write-service/commands/product-commands.js';
import { EventStore } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { PublishWaiter } from '../../write-service/outbox/publish-waiter.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

const TENANT = 'acme';
const command = (name: string): CommandDefinition => productCommands.find((definition) => definition.name === name)!;

/**
 * Two executors over one event store stand for two write-service replicas: each decides first
 * on the state it has cached, so each must cope with a cache the other has made stale.
 */
describe('command executor: decisions on cached states stay correct when another replica wrote', () => {
  let config: Config;
  let orm: Orm;
  let nc: NatsConnection;
  let waiter: PublishWaiter;
  let one: CommandExecutor;
  let two: CommandExecutor;
  let retries = 0;

  before(async () => {
    config = testConfig(uniqueNamespace('executor'));
    const subjects = subjectsFor(config.namespace);
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    nc = await connectNats(config.natsUrl, 'executor-test', createLogger('executor-test', 'warn'));
    waiter = new PublishWaiter(nc, subjects, orm);
    const store = new EventStore(orm, subjects);
    one = new CommandExecutor({
      orm,
      store,
      waiter,
      onRetry: () => {
        retries += 1;
      },
    });
    two = new CommandExecutor({ orm, store, waiter });
  });

  after(async () => {
    waiter?.close();
    await nc?.drain().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  // Internal: no wait for the relay, which this test does not run.
  const run = (executor: CommandExecutor, definition: CommandDefinition, input: Record<string, unknown>): Promise<CommandResult> =>
    executor.execute(definition, { tenant: TENANT, userId: 'test', correlationId: randomUUID(), input }, { internal: true });

  async function createProduct(initialStock: number): Promise<string> {
    const created = await run(one, command('createProduct'), {
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
    await run(two, command('restockProduct'), { id, quantity: 2 }); // version 2, unknown to one
    const restocked = await run(one, command('restockProduct'), { id, quantity: 3 });
    assert.equal(restocked.version, 3);
    assert.deepEqual(
      (await events(id)).map((event) => event.version),
      [1, 2, 3],
    );
  });

  it('an event published by another replica drops the cached state it makes stale: no version race lost', async () => {
    const id = await createProduct(5);
    const restocked = await run(two, command('restockProduct'), { id, quantity: 2 });
    one.observe({ tenant: TENANT, aggregateType: 'Product', aggregateId: id, version: restocked.version });
    retries = 0;
    const again = await run(one, command('restockProduct'), { id, quantity: 3 });
    assert.equal(again.version, 3);
    assert.equal(retries, 0, 'decided on the stored events at once');
    // Its own events (at or below what it cached) keep the entry.
    one.observe({ tenant: TENANT, aggregateType: 'Product', aggregateId: id, version: 3 });
    await run(two, command('restockProduct'), { id, quantity: 1 }); // version 4, not observed by one
    await run(one, command('restockProduct'), { id, quantity: 1 });
    assert.equal(retries, 1, 'the cached version 3 was used, and lost the race to version 4');
  });

  it('a refusal decided on a stale cached state is checked on the stored events before it is answered', async () => {
    const id = await createProduct(0); // one has it cached with no stock
    await run(two, command('restockProduct'), { id, quantity: 10 });
    // On one's cache this is out of stock; on the stored events it is not.
    const reserved = await run(one, reserveStock, { id, orderId: randomUUID(), quantity: 4 });
    assert.equal(reserved.version, 3);
    // A refusal that holds on the stored events is still answered as one.
    await assert.rejects(run(one, reserveStock, { id, orderId: randomUUID(), quantity: 7 }), { code: 'INVALID_STATE' });
  });

  it('a client expectedVersion above the cached version is checked on the stored events', async () => {
    const id = await createProduct(1);
    await run(two, command('renameProduct'), { id, title: 'Kettle II' });
    const renamed = await run(one, command('renameProduct'), { id, title: 'Kettle III', expectedVersion: 2 });
    assert.equal(renamed.version, 3);
    await assert.rejects(run(one, command('renameProduct'), { id, title: 'Kettle IV', expectedVersion: 2 }), {
      code: 'CONCURRENCY_CONFLICT',
    });
  });

  it('a repeated idempotency key answers the first result, also where the repeat alone would be refused', async () => {
    const id = await createProduct(3);
    const key = `reserve-${randomUUID()}`;
    const orderId = randomUUID();
    const first = await run(one, reserveStock, { id, orderId, quantity: 3, idempotencyKey: key });
    assert.equal(first.replayed, false);
    // Decided again, the repeat changes nothing (the stock is held for the order already): the key answers first.
    const repeatedHere = await run(one, reserveStock, { id, orderId, quantity: 3, idempotencyKey: key });
    const repeatedThere = await run(two, reserveStock, { id, orderId, quantity: 3, idempotencyKey: key });
    for (const repeated of [repeatedHere, repeatedThere]) {
      assert.deepEqual({ ...repeated, correlationId: first.correlationId }, { ...first, replayed: true });
    }
    // A repeat that would append again (a restock adds) fails on the key in the append, and answers the first too.
    const restockKey = `restock-${randomUUID()}`;
    const restock = await run(one, command('restockProduct'), { id, quantity: 1, idempotencyKey: restockKey });
    const again = await run(one, command('restockProduct'), { id, quantity: 1, idempotencyKey: restockKey });
    assert.equal(again.replayed, true);
    assert.equal(again.version, restock.version);
    assert.equal((await events(id)).length, restock.version);
    // The same key for another request is refused, whatever the request would decide.
    await assert.rejects(run(two, command('restockProduct'), { id, quantity: 2, idempotencyKey: restockKey }), { code: 'CONFLICT' });
  });

  it('contention - 96 restocks of one product at once from two replicas, none with an expectedVersion: each succeeds, none is a CONCURRENCY_CONFLICT', async () => {
    const id = await createProduct(0);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 96 }, (_, n) => run(n % 2 === 0 ? one : two, command('restockProduct'), { id, quantity: 1 })),
    );
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome.reason as { code?: string }).code);
    assert.deepEqual(failed, []);
    const stored = await events(id);
    assert.equal(stored.length, 97);
    assert.deepEqual(
      stored.map((event) => event.version),
      stored.map((_event, index) => index + 1),
    );
  });
});
