import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ProductCreatedV1 } from '../../schema/events/product-created-v1.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { CommandHandler, commandNamed, PublishWaiter } from '../../write-service/index.js';
import { Pipeline } from '../support/pipeline.js';

const TENANT = 'acme';

/**
 * Events stored before ProductCreated had a currency (schema version 1) stay as they were
 * written: the write side upcasts them when it loads an aggregate, the read side when it
 * projects them (docs/decisions.md #36).
 */
describe('event schema evolution - a ProductCreated stored at schema version 1', () => {
  let pipeline: Pipeline;
  let waiter: PublishWaiter;
  let handler: CommandHandler;

  before(async () => {
    pipeline = await Pipeline.start('evolution');
    waiter = new PublishWaiter(pipeline.nc, pipeline.subjects, pipeline.writeOrm);
    handler = new CommandHandler({ orm: pipeline.writeOrm, store: pipeline.store, waiter });
  });

  after(async () => {
    waiter?.close();
    await pipeline?.stop();
  });

  /** Writes the event and its outbox row as the event store wrote them before version 2: schema_version 1, no currency. */
  async function storeV1Creation(productId: string): Promise<string> {
    const data: ProductCreatedV1['data'] = {
      productId,
      sku: `OLD-${productId.slice(0, 8).toUpperCase()}`,
      title: 'Pre-currency kettle',
      description: null,
      category: 'kitchen',
      price: '31.00',
      initialStock: 4,
      createdAt: '2026-11-20T10:00:00.000Z',
    };
    const envelope = {
      eventId: randomUUID(),
      type: 'ProductCreated',
      schemaVersion: 1,
      tenant: TENANT,
      aggregateType: PRODUCT,
      aggregateId: productId,
      version: 1,
      occurredAt: data.createdAt,
      data,
      metadata: { correlationId: randomUUID() },
    };
    await pipeline.writeSql(
      `insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
       values (?, ?, ?, ?, 1, 'ProductCreated', 1, ?::jsonb, ?::jsonb, ?)`,
      [envelope.eventId, TENANT, PRODUCT, productId, JSON.stringify(data), JSON.stringify(envelope.metadata), envelope.occurredAt],
    );
    await pipeline.writeSql('insert into outbox (event_id, subject, payload) values (?, ?, ?::jsonb)', [
      envelope.eventId,
      pipeline.subjects.event(TENANT, PRODUCT, productId),
      JSON.stringify(envelope),
    ]);
    return envelope.eventId;
  }

  it('loads upcast, takes a command at the next version, and projects both events', async () => {
    const productId = randomUUID();
    const eventId = await storeV1Creation(productId);

    const loaded = await pipeline.store.load({ tenant: TENANT, streamType: PRODUCT, streamId: productId });
    assert.equal(loaded.events[0]?.eventId, eventId);
    assert.equal(loaded.events[0]?.schemaVersion, 2, 'loaded at the current schema version');
    assert.equal((loaded.events[0]?.data as { currency?: string }).currency, 'USD');

    const restocked = await handler.accept(commandNamed('restockProduct')!, {
      tenant: TENANT,
      userId: 'test',
      roles: ['admin'],
      correlationId: randomUUID(),
      input: { id: productId, quantity: 3 },
    });
    assert.equal(restocked.version, 2);

    const stored = await pipeline.writeSql<{ version: number; type: string; schema_version: number; currency: string | null }>(
      `select version, type, schema_version, data->>'currency' as currency from events
        where tenant = ? and stream_id = ? order by version`,
      [TENANT, productId],
    );
    assert.deepEqual(stored, [
      { version: 1, type: 'ProductCreated', schema_version: 1, currency: null },
      { version: 2, type: 'ProductRestocked', schema_version: 1, currency: null },
    ]);

    await pipeline.settled();
    const [row] = await pipeline.readSql<{ title: string; price: string; currency: string; available_quantity: number; version: number }>(
      'select title, price, currency, available_quantity, version from product_view where tenant = ? and id = ?',
      [TENANT, productId],
    );
    assert.deepEqual(
      { ...row, price: String(row?.price) },
      { title: 'Pre-currency kettle', price: '31.00', currency: 'USD', available_quantity: 7, version: 2 },
    );
  });
});
