import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { request } from '../../platform/messaging.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { StreamReader } from '../../read-service/rebuild/stream-reader.js';
import { AppError, ErrorCode } from '../../schema/errors.js';
import { startWriteService } from '../../write-service/write-service.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { created, productEnvelope, publishEvents, restocked } from '../support/events.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { countingProjection, EVENT_COUNTS_TABLE } from '../support/counting-projection.js';
import { waitFor } from '../support/wait.js';

/**
 * Messages a pull consumer has in flight when its connection drops count as delivered: the
 * consumers must notice and read again from what they handled (issue 11, defect 2).
 */
describe('consumers across NATS connection drops', () => {
  let config: Config;
  let subjects: Subjects;
  let direct: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let proxy: TcpProxy;
  const logger = createLogger('consumer-reconnect-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const tenant = 'tenant-r';

  before(async () => {
    config = testConfig(uniqueNamespace('reconnect'));
    subjects = subjectsFor(config.namespace);
    direct = await connectNats(config.natsUrl, 'reconnect-test-publisher', logger);
    jsm = await ensureEventStream(direct, subjects);
    js = jetstream(direct);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    await orm.em.fork().execute(EVENT_COUNTS_TABLE, [], 'run');
    proxy = await TcpProxy.start({ port: Number(new URL(config.natsUrl).port) });
  });

  after(async () => {
    await proxy?.stop();
    await orm?.close();
    await direct?.drain().catch(() => undefined);
    if (config) await cleanupNamespace(config);
  });

  const sql = <T>(query: string, params: unknown[] = []) => (orm.em.fork() as EntityManager).execute<T[]>(query, params);

  /** Publishes `count` events, one every `everyMs`, while `fault` runs; returns their ids and the last sequence. */
  async function publishDuring(count: number, everyMs: number, fault: () => Promise<void>): Promise<{ ids: string[]; last: number }> {
    const id = randomUUID();
    const events = [
      productEnvelope(tenant, id, 1, created(id)),
      ...Array.from({ length: count - 1 }, (_, i) => productEnvelope(tenant, id, i + 2, restocked(id, 1))),
    ];
    let last = 0;
    const publishing = (async () => {
      for (const event of events) {
        last = (await js.publish(subjects.event(tenant, 'Product', id), JSON.stringify(event), { msgID: event.eventId })).seq;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    await fault();
    await publishing;
    return { ids: events.map((event) => event.eventId), last };
  }

  it('projection runner - server bytes lost for 300 ms then the connection cut, three times under a steady stream: every event applied exactly once', async () => {
    const proxied = await connectNats(proxy.url(), 'reconnect-test-runner', logger);
    const runner = startProjectionRunner({
      model: countingProjection,
      orm,
      databaseUrl: config.readDatabaseUrl,
      nc: proxied,
      js: jetstream(proxied),
      jsm,
      subjects,
      logger,
      maxBatch: 20,
    });
    try {
      const { ids, last } = await publishDuring(300, 5, async () => {
        for (let round = 0; round < 3; round += 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          await proxy.dropThenCut(300, 'toClient');
        }
      });
      await waitFor(
        async () =>
          Number(
            (await sql<{ position: string }>('select position from projection_checkpoints where projection = ?', ['counting']))[0]
              ?.position ?? 0,
          ) >= last,
        { timeoutMs: 30_000, what: 'the runner to reach the last event' },
      );
      const counts = new Map(
        (await sql<{ event_id: string; n: number }>('select event_id, n from event_counts')).map((row) => [row.event_id, row.n]),
      );
      const missing = ids.filter((eventId) => !counts.has(eventId));
      const twice = ids.filter((eventId) => (counts.get(eventId) ?? 0) > 1);
      assert.deepEqual({ missing: missing.length, twice: twice.length }, { missing: 0, twice: 0 });
    } finally {
      await runner.stop();
      await proxied.close();
    }
  });

  it("order saga - server bytes lost for 300 ms then the write-service's connection cut, four times while orders flow: every order decided", async () => {
    // The write-service in this process, its NATS connection through the proxy; commands sent on a direct one.
    const service = await startWriteService(testConfig(config.namespace, { NATS_URL: proxy.url() }), logger);
    const writeDb = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: [] });
    /** A command, repeated with its idempotency key until the write-service answers. */
    const command = async (name: string, input: Record<string, unknown>) => {
      const key = randomUUID();
      for (;;) {
        try {
          return await request<{ aggregateId: string }>(
            direct,
            subjects.command(name),
            { tenant, userId: 'test', roles: ['admin'], correlationId: randomUUID(), input: { ...input, idempotencyKey: key } },
            { timeoutMs: 1_000, service: 'write-service' },
          );
        } catch (error) {
          if (!(error instanceof AppError) || error.code !== ErrorCode.SERVICE_UNAVAILABLE) throw error;
        }
      }
    };
    try {
      const product = await command('createProduct', {
        sku: 'SAGA-1',
        title: 'Mug',
        category: 'kitchen',
        price: '3.00',
        initialStock: 1_000,
      });
      const customer = await command('registerCustomer', { name: 'Ada', email: `ada-${randomUUID()}@example.com`, region: 'eu' });
      // Four customers ordering at once keep OrderPlaced events (and the saga's own order events)
      // in flight to the saga when the connection drops.
      const orders: string[] = [];
      const placing = Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let n = 0; n < 40; n += 1) {
            orders.push(
              (await command('placeOrder', { customerId: customer.aggregateId, lines: [{ productId: product.aggregateId, quantity: 1 }] }))
                .aggregateId,
            );
          }
        }),
      );
      for (let round = 0; round < 4; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        await proxy.dropThenCut(300, 'toClient');
      }
      await placing;
      const undecided = async () =>
        (
          await (writeDb.em.fork() as EntityManager).execute<{ stream_id: string }[]>(
            `select stream_id from events where tenant = ? and stream_type = 'Order' group by stream_id
          having not bool_or(type in ('OrderConfirmed', 'OrderRejected'))`,
            [tenant],
          )
        ).map((row) => row.stream_id);
      await waitFor(async () => (await undecided()).length === 0, {
        timeoutMs: 30_000,
        what: 'every order to be confirmed or rejected',
      }).catch(async (error: unknown) => {
        throw new Error(`${(await undecided()).length} of ${orders.length} orders undecided: ${String(error)}`);
      });
    } finally {
      await service.stop();
      await writeDb.close();
    }
  });

  it("rebuild's stream reader - the last messages of the stream lost in flight, then the connection cut: it reads them again", async () => {
    const proxied = await connectNats(proxy.url(), 'reconnect-test-reader', logger);
    const reader = new StreamReader(proxied, jetstream(proxied), subjects, { stallMs: 8_000, logger });
    try {
      const id = randomUUID();
      const first = await publishEvents(js, subjects, [productEnvelope(tenant, id, 1, created(id))]);
      const some = await publishEvents(
        js,
        subjects,
        Array.from({ length: 99 }, (_, i) => productEnvelope(tenant, id, i + 2, restocked(id, 1))),
      );
      await reader.seek(first);
      assert.equal((await reader.take(1_000, some)).length, some - first + 1);
      // The reader has a pull outstanding: the next messages go to it, into the black hole.
      proxy.blackhole('toClient');
      const last = await publishEvents(
        js,
        subjects,
        Array.from({ length: 10 }, (_, i) => productEnvelope(tenant, id, i + 101, restocked(id, 1))),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.cut();
      proxy.heal();
      const rest = await reader.take(1_000, last);
      assert.deepEqual(
        rest.map((message) => message.seq),
        Array.from({ length: last - some }, (_, i) => some + 1 + i),
      );
    } finally {
      await reader.close();
      await proxied.close();
    }
  });
});
