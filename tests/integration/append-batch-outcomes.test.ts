import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { subjectsFor } from '../../platform/subjects.js';
import {
  AppendFailed,
  EventStore,
  IdempotencyKeyTaken,
  StreamVersionConflict,
  UniqueKeyTaken,
  writeMigrations,
  type AppendOutcome,
  type AppendRequest,
} from '../../write-service/index.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

const TENANT = 'acme';

describe('append_batch: one outcome code per append, mapped to typed event-store errors', () => {
  let config: Config;
  let orm: Orm;
  let store: EventStore;

  before(async () => {
    config = testConfig(uniqueNamespace('outcomes'));
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    store = new EventStore(orm, subjectsFor(config.namespace));
  });

  after(async () => {
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  function append(streamId: string, expectedVersion: number, extra: Partial<AppendRequest> = {}): AppendRequest {
    const eventIds = store.newEventIds(1);
    return {
      tenant: TENANT,
      streamType: 'Customer',
      streamId,
      expectedVersion,
      events: [{ type: 'CustomerRegistered', data: { customerId: streamId } }],
      eventIds,
      metadata: { correlationId: randomUUID() },
      occurredAt: new Date().toISOString(),
      ...extra,
    };
  }

  /** One append as the function reads it (what EventStore sends), for calling it directly. */
  function batched(streamId: string, version: number, extra: { key?: string; emails?: string[] } = {}) {
    const eventId = randomUUID();
    return {
      subject: `t.events.${TENANT}.Customer.${streamId}`,
      events: [
        {
          eventId,
          type: 'CustomerRegistered',
          schemaVersion: 1,
          tenant: TENANT,
          aggregateType: 'Customer',
          aggregateId: streamId,
          version,
          occurredAt: new Date().toISOString(),
          data: {},
          metadata: {},
        },
      ],
      ...(extra.key
        ? {
            idempotency: {
              tenant: TENANT,
              key: extra.key,
              command: 'registerCustomer',
              request_hash: 'h',
              aggregate_id: streamId,
              version,
              last_event_id: eventId,
            },
          }
        : {}),
      ...(extra.emails
        ? { uniqueKeys: extra.emails.map((value) => ({ tenant: TENANT, scope: 'customer-email', value, stream_id: streamId })) }
        : {}),
    };
  }

  const appendBatch = async (requests: unknown[]): Promise<AppendOutcome[]> =>
    (
      await orm.em
        .getKnex()
        .raw<{ rows: { outcomes: AppendOutcome[] }[] }>('select append_batch(?::jsonb) as outcomes', [JSON.stringify(requests)])
    ).rows[0]!.outcomes;

  it('outcomes - appended, stream version taken, idempotency key taken, the n-th unique key taken, failed with its SQLSTATE', async () => {
    const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
    const key = `key-${randomUUID()}`;
    const email = `taken-${randomUUID()}@example.com`;
    assert.deepEqual(await appendBatch([batched(first, 1, { key, emails: [email] })]), [{ outcome: 'appended' }]);
    const outcomes = await appendBatch([
      batched(first, 1),
      batched(second, 1, { key }),
      batched(third, 1, { emails: [`free-${randomUUID()}@example.com`, email] }),
      batched(randomUUID(), 0),
      batched(randomUUID(), 1),
    ]);
    assert.deepEqual(outcomes, [
      { outcome: 'stream_version_taken' },
      { outcome: 'idempotency_key_taken' },
      { outcome: 'unique_key_taken', uniqueKey: 1 },
      { outcome: 'failed', sqlstate: '23514', message: outcomes[3]?.outcome === 'failed' ? outcomes[3].message : '' },
      { outcome: 'appended' },
    ]);
    assert.match(outcomes[3]?.outcome === 'failed' ? outcomes[3].message : '', /check constraint/);
    // A refused append wrote nothing, not even the reservations before the one that was taken.
    const held = await orm.em.fork().execute<{ n: string }[]>('select count(*) as n from unique_keys where stream_id = ?', [third]);
    assert.equal(Number(held[0]!.n), 0);
  });

  it('errors - each outcome becomes its typed error, the unique key naming the reservation that was taken', async () => {
    const streamId = randomUUID();
    const key = `key-${randomUUID()}`;
    const email = `ada-${randomUUID()}@example.com`;
    await store.append(append(streamId, 0, { idempotency: { key, command: 'registerCustomer', requestHash: 'h' } }));
    await assert.rejects(store.append(append(streamId, 0)), StreamVersionConflict);
    await assert.rejects(
      store.append(append(randomUUID(), 0, { idempotency: { key, command: 'registerCustomer', requestHash: 'h' } })),
      (error: unknown) => error instanceof IdempotencyKeyTaken && error.key === key,
    );
    await store.append(append(randomUUID(), 0, { uniqueKeys: [{ scope: 'customer-email', value: email }] }));
    await assert.rejects(
      store.append(
        append(randomUUID(), 0, {
          uniqueKeys: [
            { scope: 'customer-email', value: `other-${randomUUID()}@example.com` },
            { scope: 'customer-email', value: email },
          ],
        }),
      ),
      (error: unknown) => error instanceof UniqueKeyTaken && error.scope === 'customer-email' && error.value === email,
    );
    await assert.rejects(
      store.append(append(randomUUID(), -1)),
      (error: unknown) => error instanceof AppendFailed && error.code === '23514',
    );
  });
});
