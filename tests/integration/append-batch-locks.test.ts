import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import type { AppendOutcome } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

const TENANT = 'acme';

interface Request {
  subject: string;
  events: Record<string, unknown>[];
  idempotency?: Record<string, unknown>;
  uniqueKeys?: Record<string, unknown>[];
}

/** One append as `append_batch` reads it: `events` events of one stream, with an optional key and unique keys. */
function request(streamId: string, events: number, options: { key?: string; unique?: string[] } = {}): Request {
  const envelopes = Array.from({ length: events }, (_, index) => ({
    eventId: randomUUID(),
    type: 'ProductCreated',
    schemaVersion: 1,
    tenant: TENANT,
    aggregateType: 'Product',
    aggregateId: streamId,
    version: index + 1,
    occurredAt: new Date().toISOString(),
    data: { padding: 'x'.repeat(200) },
    metadata: { correlationId: randomUUID() },
  }));
  return {
    subject: `test.events.${TENANT}.Product.${streamId}`,
    events: envelopes,
    ...(options.key
      ? {
          idempotency: {
            tenant: TENANT,
            key: options.key,
            command: 'createProduct',
            request_hash: 'h',
            aggregate_id: streamId,
            version: events,
            last_event_id: envelopes.at(-1)!.eventId,
          },
        }
      : {}),
    ...(options.unique
      ? { uniqueKeys: options.unique.map((value) => ({ tenant: TENANT, scope: 'email', value, stream_id: streamId })) }
      : {}),
  };
}

/** Stream ids that sort in the order given (append_batch runs a batch in stream order). */
function ids(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(3, '0')}`);
}

describe('append_batch: concurrent batches never deadlock on keys (issue 11, defect 6)', () => {
  let config: Config;
  let orm: Orm;
  let one: pg.Client;
  let two: pg.Client;

  before(async () => {
    config = testConfig(uniqueNamespace('appendlocks'));
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    one = new pg.Client({ connectionString: config.writeDatabaseUrl });
    two = new pg.Client({ connectionString: config.writeDatabaseUrl });
    await one.connect();
    await two.connect();
  });

  after(async () => {
    await one?.end().catch(() => undefined);
    await two?.end().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  const appendBatch = async (client: pg.Client, requests: Request[]): Promise<string[]> =>
    (
      await client.query<{ outcomes: AppendOutcome[] }>('select append_batch($1::jsonb) as outcomes', [JSON.stringify(requests)])
    ).rows[0]!.outcomes.map((outcome) => outcome.outcome);

  /**
   * Batch one holds key A early and key B late; batch two (a retry of both requests under new
   * aggregate ids, as a creation without a client id retried with its idempotency key) holds B
   * early and A late. Filler appends between them keep both batches busy long enough to cross.
   */
  async function crossed(
    round: number,
    keyed: (first: boolean, which: 'A' | 'B') => { key?: string; unique?: string[] },
  ): Promise<string[][]> {
    const [a1, ...fill1] = ids(`r${round}-1`, 9);
    const [b2, ...fill2] = ids(`r${round}-2`, 9);
    const batchOne = [
      request(a1!, 1, keyed(true, 'A')),
      ...fill1.slice(0, -1).map((id) => request(id, 30)),
      request(fill1.at(-1)!, 1, keyed(true, 'B')),
    ];
    const batchTwo = [
      request(b2!, 1, keyed(false, 'B')),
      ...fill2.slice(0, -1).map((id) => request(id, 30)),
      request(fill2.at(-1)!, 1, keyed(false, 'A')),
    ];
    return Promise.all([appendBatch(one, batchOne), appendBatch(two, batchTwo)]);
  }

  const outcomeErrors = (outcomes: string[][]) => outcomes.flat().filter((outcome) => outcome === 'failed');

  it('append_batch - two batches taking the same idempotency keys in opposite orders: each key is taken once, no deadlock', async () => {
    for (let round = 0; round < 5; round += 1) {
      const keys = { A: `key-${round}-a-${randomUUID()}`, B: `key-${round}-b-${randomUUID()}` };
      const outcomes = await crossed(round, (_first, which) => ({ key: keys[which] }));
      assert.deepEqual(outcomeErrors(outcomes), [], `round ${round}: ${JSON.stringify(outcomes)}`);
      const taken = outcomes.flat().filter((outcome) => outcome === 'idempotency_key_taken').length;
      assert.equal(taken, 2, 'each key refused once, to the batch that came second for it');
    }
  });

  it('append_batch - two registrations of crossed emails: each email is reserved once, no deadlock', async () => {
    for (let round = 10; round < 15; round += 1) {
      const emails = { A: `a-${round}-${randomUUID()}@example.com`, B: `b-${round}-${randomUUID()}@example.com` };
      const outcomes = await crossed(round, (_first, which) => ({ unique: [emails[which]] }));
      assert.deepEqual(outcomeErrors(outcomes), [], `round ${round}: ${JSON.stringify(outcomes)}`);
      const taken = outcomes.flat().filter((outcome) => outcome === 'unique_key_taken').length;
      assert.equal(taken, 2, 'each email refused once');
    }
  });
});
