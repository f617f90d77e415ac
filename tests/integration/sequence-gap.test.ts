import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { request } from '../../platform/messaging.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { PRODUCT, type ProductCreated } from '../../schema/events/product-events.js';
import { schemaVersionOf } from '../../schema/events/upcasters.js';
import type { ProductView } from '../../schema/views/product-view.js';
import { EventStore, OUTBOX_CHANNEL } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { startOutboxRelay } from '../../write-service/outbox/outbox-relay.js';
import { startReadService } from '../../read-service/read-service.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const TENANT = 'acme';

function productCreated(productId: string, title: string): ProductCreated {
  return {
    type: 'ProductCreated',
    data: {
      productId,
      sku: `SKU-${productId.slice(0, 8).toUpperCase()}`,
      title,
      description: `${title}, described`,
      category: 'seq-gap',
      price: '19.99',
      currency: 'USD',
      initialStock: 7,
      createdAt: new Date().toISOString(),
    },
  };
}

describe('the sequence-gap bug: an outbox row committed late with a lower id is still published and projected', () => {
  let config: Config;
  let subjects: Subjects;
  let orm: Orm;
  let store: EventStore;
  let nc: NatsConnection;
  let relay: { stop(): Promise<void> } | undefined;
  let readService: { stop(): Promise<void> } | undefined;
  let read: pg.Client | undefined;
  const logger = createLogger('sequence-gap-test', process.env.TEST_LOG_LEVEL ?? 'warn');

  before(async () => {
    config = testConfig(uniqueNamespace('seqgap'));
    subjects = subjectsFor(config.namespace);
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    store = new EventStore(orm, subjects);
    nc = await connectNats(config.natsUrl, 'sequence-gap-test', logger);
    await ensureEventStream(nc, subjects);
    // No sweep from the beginning: the late row must be found above the relay's floor alone.
    relay = startOutboxRelay({ databaseUrl: config.writeDatabaseUrl, nc, js: jetstream(nc), subjects, logger, sweepMs: 3_600_000 });
    readService = await startReadService(config, logger);
    read = new pg.Client({ connectionString: config.readDatabaseUrl });
    await read.connect();
  });

  after(async () => {
    await read?.end().catch(() => undefined);
    await readService?.stop();
    await relay?.stop();
    await nc?.drain().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  async function outboxRow(eventId: string): Promise<{ id: number; published: boolean; streamSeq: number | null }> {
    const [row] = await orm.em
      .fork()
      .execute<{ id: string; published_at: Date | null; stream_seq: string | null }[]>(
        'select id, published_at, stream_seq from outbox where event_id = ?',
        [eventId],
      );
    assert.ok(row, `outbox row of ${eventId}`);
    return { id: Number(row.id), published: row.published_at !== null, streamSeq: row.stream_seq === null ? null : Number(row.stream_seq) };
  }

  async function viewRow(productId: string): Promise<Record<string, unknown> | undefined> {
    const result = await read!.query(
      'select id, sku, title, category, price::text as price, available_quantity, version from product_view where tenant = $1 and id = $2',
      [TENANT, productId],
    );
    return result.rows[0];
  }

  async function queryProduct(productId: string, position: number): Promise<ProductView | null> {
    return request<ProductView | null>(
      nc,
      subjects.query('product'),
      { tenant: TENANT, correlationId: randomUUID(), consistencyToken: encodeConsistencyToken(position), args: { id: productId } },
      { timeoutMs: 10_000, service: 'read-service' },
    );
  }

  /** What EventStore.append writes for a ProductCreated, written by hand on a raw session (no commit). */
  async function writeCreation(session: pg.Client, productId: string, title: string): Promise<{ eventId: string; outboxId: number }> {
    const created = productCreated(productId, title);
    const envelope: EventEnvelope = {
      eventId: randomUUID(),
      type: created.type,
      schemaVersion: schemaVersionOf(created.type),
      tenant: TENANT,
      aggregateType: PRODUCT,
      aggregateId: productId,
      version: 1,
      occurredAt: new Date().toISOString(),
      data: created.data,
      metadata: { correlationId: randomUUID() },
    };
    await session.query(
      `insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)`,
      [
        envelope.eventId,
        TENANT,
        PRODUCT,
        productId,
        1,
        envelope.type,
        1,
        JSON.stringify(envelope.data),
        JSON.stringify(envelope.metadata),
        envelope.occurredAt,
      ],
    );
    const inserted = await session.query<{ id: string }>(
      'insert into outbox (event_id, subject, payload) values ($1, $2, $3::jsonb) returning id',
      [envelope.eventId, subjects.event(TENANT, PRODUCT, productId), JSON.stringify(envelope)],
    );
    return { eventId: envelope.eventId, outboxId: Number(inserted.rows[0]!.id) };
  }

  it('a transaction holding a HIGHER transaction id and a lower outbox id, still open while the relay scans twice, is published when it commits', async () => {
    // The interleaving of issue 11: A takes its transaction id; B takes a higher one and a lower
    // outbox id and stays open; A takes a higher outbox id and commits. B's id is then above
    // pg_snapshot_xmax of the relay's scan (xmax is one past the highest FINISHED id) and absent
    // from its list of running ids: a floor settled on xmax passes B's row.
    const a = new pg.Client({ connectionString: config.writeDatabaseUrl });
    const b = new pg.Client({ connectionString: config.writeDatabaseUrl });
    await a.connect();
    await b.connect();
    let open = true;
    try {
      await a.query('begin');
      const xidA = BigInt((await a.query<{ xid: string }>('select pg_current_xact_id()::text as xid')).rows[0]!.xid);
      await b.query('begin');
      const xidB = BigInt((await b.query<{ xid: string }>('select pg_current_xact_id()::text as xid')).rows[0]!.xid);
      assert.ok(xidB > xidA);
      const late = await writeCreation(b, randomUUID(), 'Late lamp');
      const earlyId = randomUUID();
      const early = await writeCreation(a, earlyId, 'Early easel');
      assert.ok(early.outboxId > late.outboxId, 'A holds the higher outbox id');
      await a.query('select pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
      await a.query('commit');
      await waitFor(async () => (await outboxRow(early.eventId)).published, { timeoutMs: 10_000, what: 'the relay to publish A' });

      // More scans while B is still open: another append, published, means the relay has scanned
      // again after A (the scan that would settle the floor past B's row).
      const nextId = randomUUID();
      const [nextEventId] = store.newEventIds(1);
      await store.append({
        tenant: TENANT,
        streamType: PRODUCT,
        streamId: nextId,
        expectedVersion: 0,
        events: [productCreated(nextId, 'Next needle')],
        eventIds: [nextEventId!],
        metadata: { correlationId: randomUUID() },
        occurredAt: new Date().toISOString(),
      });
      await waitFor(async () => (await outboxRow(nextEventId!)).published, {
        timeoutMs: 10_000,
        what: 'the relay to publish the next append',
      });

      await b.query('select pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
      await b.query('commit');
      open = false;
      // The sweep is off: only the scan above the floor can find B's row, and must, promptly.
      const published = await waitFor(
        async () => {
          const row = await outboxRow(late.eventId);
          return row.published ? row : undefined;
        },
        { timeoutMs: 5_000, what: 'the relay to publish the row of B, committed late' },
      );
      assert.ok(published.streamSeq! > 0);
    } finally {
      if (open) await b.query('rollback').catch(() => undefined);
      await a.query('rollback').catch(() => undefined);
      await a.end();
      await b.end();
    }
  });

  it('publishes the late lower-id row after a higher one, and the read side projects both', async () => {
    // 1. A raw transaction writes product A's event and outbox row as EventStore.append would,
    //    taking the LOWER outbox id, and stays open.
    const lateId = randomUUID();
    const late = productCreated(lateId, 'Late lantern');
    const lateEnvelope: EventEnvelope = {
      eventId: randomUUID(),
      type: late.type,
      schemaVersion: schemaVersionOf(late.type),
      tenant: TENANT,
      aggregateType: PRODUCT,
      aggregateId: lateId,
      version: 1,
      occurredAt: new Date().toISOString(),
      data: late.data,
      metadata: { correlationId: randomUUID() },
    };
    const raw = new pg.Client({ connectionString: config.writeDatabaseUrl });
    await raw.connect();
    let committed = false;
    try {
      await raw.query('begin');
      await raw.query(
        `insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)`,
        [
          lateEnvelope.eventId,
          TENANT,
          PRODUCT,
          lateId,
          1,
          lateEnvelope.type,
          1,
          JSON.stringify(lateEnvelope.data),
          JSON.stringify(lateEnvelope.metadata),
          lateEnvelope.occurredAt,
        ],
      );
      const inserted = await raw.query<{ id: string }>(
        'insert into outbox (event_id, subject, payload) values ($1, $2, $3::jsonb) returning id',
        [lateEnvelope.eventId, subjects.event(TENANT, PRODUCT, lateId), JSON.stringify(lateEnvelope)],
      );
      const lateOutboxId = Number(inserted.rows[0]!.id);

      // 2. Meanwhile product B is appended through the event store, commits (HIGHER id) and is published.
      const earlyId = randomUUID();
      const [earlyEventId] = store.newEventIds(1);
      await store.append({
        tenant: TENANT,
        streamType: PRODUCT,
        streamId: earlyId,
        expectedVersion: 0,
        events: [productCreated(earlyId, 'Early kettle')],
        eventIds: [earlyEventId!],
        metadata: { correlationId: randomUUID() },
        occurredAt: new Date().toISOString(),
      });
      const early = await waitFor(
        async () => {
          const row = await outboxRow(earlyEventId!);
          return row.published ? row : undefined;
        },
        { timeoutMs: 10_000, what: 'the relay to publish B' },
      );
      assert.ok(early.id > lateOutboxId, `B's outbox id ${early.id} is above A's ${lateOutboxId}`);
      // The read side projects B; A is not committed, so it is nowhere yet.
      assert.equal((await queryProduct(earlyId, early.streamSeq!))?.title, 'Early kettle');
      assert.equal(await viewRow(lateId), undefined);

      // 3. A commits now, with the NOTIFY that EventStore.append sends inside its transaction.
      await raw.query('select pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
      await raw.query('commit');
      committed = true;

      // 4. The relay publishes A although a higher id was published before it...
      const lateRow = await waitFor(
        async () => {
          const row = await outboxRow(lateEnvelope.eventId);
          return row.published ? row : undefined;
        },
        { timeoutMs: 10_000, what: 'the relay to publish the late, lower-id row' },
      );
      assert.ok(lateRow.streamSeq! > early.streamSeq!, 'A is published after B');

      // 5. ...and the projection applies it: the query with A's position sees A, and B is still there.
      const product = await queryProduct(lateId, lateRow.streamSeq!);
      assert.ok(product, 'A is in the read model');
      assert.equal(product.title, 'Late lantern');
      assert.equal(product.version, 1);
      assert.deepEqual(await viewRow(lateId), {
        id: lateId,
        sku: late.data.sku,
        title: 'Late lantern',
        category: 'seq-gap',
        price: '19.99',
        available_quantity: 7,
        version: 1,
      });
      assert.deepEqual(await viewRow(earlyId), {
        id: earlyId,
        sku: `SKU-${earlyId.slice(0, 8).toUpperCase()}`,
        title: 'Early kettle',
        category: 'seq-gap',
        price: '19.99',
        available_quantity: 7,
        version: 1,
      });
      const checkpoint = await read!.query<{ position: string }>('select position from projection_checkpoints where projection = $1', [
        'product_view',
      ]);
      assert.ok(Number(checkpoint.rows[0]?.position) >= lateRow.streamSeq!);
      const deadLetters = await read!.query('select 1 from dead_letters');
      assert.equal(deadLetters.rowCount, 0);
    } finally {
      if (!committed) await raw.query('rollback').catch(() => undefined);
      await raw.end();
    }
  });
});
