import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { createLogger } from '../../platform/logger.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor } from '../../platform/subjects.js';
import { EventStore } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { PublishWaiter } from '../../write-service/outbox/publish-waiter.js';
import { prune, startRetention } from '../../write-service/retention/retention.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { created } from '../support/events.js';
import { waitFor } from '../support/wait.js';

const TENANT = 'acme';
const DAY = 86_400_000;

describe('retention: idempotency records and published outbox rows past the retention are pruned', () => {
  let config: Config;
  let orm: Orm;
  let store: EventStore;
  let client: pg.Client;
  let nc: NatsConnection;
  const logger = createLogger('retention-test', process.env.TEST_LOG_LEVEL ?? 'silent');

  before(async () => {
    config = testConfig(uniqueNamespace('retention'));
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    store = new EventStore(orm, subjectsFor(config.namespace));
    client = new pg.Client({ connectionString: config.writeDatabaseUrl });
    await client.connect();
    nc = await connectNats(config.natsUrl, 'retention-test', logger);
  });

  after(async () => {
    await client?.end();
    await nc?.drain().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  /** A product created with an idempotency key, its outbox row published (or not) and everything dated `daysAgo`. */
  async function append(daysAgo: number, published: boolean): Promise<{ key: string; eventId: string }> {
    const id = randomUUID();
    const key = `key-${randomUUID()}`;
    const [eventId] = store.newEventIds(1);
    await store.append({
      tenant: TENANT,
      streamType: 'Product',
      streamId: id,
      expectedVersion: 0,
      events: [created(id)],
      eventIds: [eventId!],
      metadata: { correlationId: randomUUID() },
      occurredAt: new Date().toISOString(),
      idempotency: { key, command: 'createProduct', requestHash: 'h' },
    });
    const at = new Date(Date.now() - daysAgo * DAY);
    await client.query('update idempotency_keys set created_at = $1 where key = $2', [at, key]);
    await client.query(
      `update outbox set created_at = $1, published_at = case when $2 then $1::timestamptz end, stream_seq = case when $2 then 7 end where event_id = $3`,
      [at, published, eventId],
    );
    return { key, eventId: eventId! };
  }

  const exists = async (table: string, column: string, value: string) =>
    ((await client.query(`select 1 from ${table} where ${column} = $1`, [value])).rowCount ?? 0) > 0;

  it('prune - deletes keys and published rows older than the retention, batch by batch; keeps recent ones and anything unpublished', async () => {
    const old = await Promise.all([append(10, true), append(9, true), append(8, true)]);
    const oldUnpublished = await append(10, false);
    const recent = await append(1, true);
    const pruned = await prune(client, 7 * DAY, 2);
    assert.deepEqual(pruned, { idempotencyKeys: 4, outboxRows: 3 });
    for (const { key, eventId } of old) {
      assert.equal(await exists('idempotency_keys', 'key', key), false);
      assert.equal(await exists('outbox', 'event_id', eventId), false);
      assert.equal(await exists('events', 'event_id', eventId), true, 'the event store keeps every event');
    }
    assert.equal(await exists('outbox', 'event_id', oldUnpublished.eventId), true, 'an unpublished row is never pruned (G1)');
    assert.equal(await exists('idempotency_keys', 'key', recent.key), true);
    assert.equal(await exists('outbox', 'event_id', recent.eventId), true);

    // Token lookups: a pruned row was published long ago (0, passed by every read model); an unpublished one is not yet.
    const waiter = new PublishWaiter(nc, subjectsFor(config.namespace), orm);
    try {
      assert.equal(await waiter.lookup(old[0].eventId), 0);
      assert.equal(await waiter.lookup(oldUnpublished.eventId), undefined);
      assert.equal(await waiter.lookup(recent.eventId), 7);
    } finally {
      waiter.close();
    }
  });

  it('retention - one replica prunes now and then', async () => {
    const old = await append(30, true);
    const job = startRetention({
      databaseUrl: config.writeDatabaseUrl,
      lockPrefix: config.namespace,
      logger,
      retentionMs: 7 * DAY,
      everyMs: 50,
    });
    try {
      await waitFor(async () => !(await exists('outbox', 'event_id', old.eventId)) && !(await exists('idempotency_keys', 'key', old.key)), {
        what: 'the job to prune',
      });
    } finally {
      await job.stop();
    }
  });
});
