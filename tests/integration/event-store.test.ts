import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { subjectsFor } from '../../platform/subjects.js';
import {
  EventStore,
  IdempotencyKeyTaken,
  StreamVersionConflict,
  type AppendOutcome,
  type AppendRequest,
} from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

const TENANT = 'acme';

/** A PostgreSQL array literal, passed as one text parameter. */
function pgArray(values: string[]): string {
  return `{${values.join(',')}}`;
}

describe('event store: optimistic concurrency (G5) and idempotency claims', () => {
  let config: Config;
  let orm: Orm;
  let store: EventStore;

  before(async () => {
    config = testConfig(uniqueNamespace('eventstore'));
    // A pool larger than the number of racers, so that the 20 appends really run at once.
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations, poolSize: 24 });
    store = new EventStore(orm, subjectsFor(config.namespace));
  });

  after(async () => {
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return orm.em.fork().execute<T[]>(sql, params);
  }

  function appendRequest(streamId: string, expectedVersion: number, events = 2, extra: Partial<AppendRequest> = {}): AppendRequest {
    const eventIds = store.newEventIds(events);
    return {
      tenant: TENANT,
      streamType: 'Counter',
      streamId,
      expectedVersion,
      events: eventIds.map((_, i) => ({ type: 'Incremented', data: { by: i + 1 } })),
      eventIds,
      metadata: { correlationId: randomUUID() },
      occurredAt: new Date().toISOString(),
      ...extra,
    };
  }

  /** Runs appends at once; returns the winners' requests and the losers' errors. */
  async function race(requests: AppendRequest[]) {
    const outcomes = await Promise.allSettled(requests.map((request) => store.append(request)));
    const won = requests.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    return { won, errors };
  }

  async function assertStreamIntact(streamId: string, winners: AppendRequest[]): Promise<void> {
    const rows = await query<{ version: number; event_id: string }>(
      'select version, event_id from events where tenant = ? and stream_type = ? and stream_id = ? order by version',
      [TENANT, 'Counter', streamId],
    );
    const expectedIds = winners.flatMap((w) => w.eventIds);
    assert.deepEqual(
      rows.map((r) => r.version),
      expectedIds.map((_, i) => i + 1),
      'versions 1..n without gaps',
    );
    assert.deepEqual(
      rows.map((r) => r.event_id),
      expectedIds,
      "only the winners' events, in their order",
    );
    // Only committed events reach the outbox: none of a loser's events may ever be published (G1).
    const outbox = await query<{ event_id: string; subject: string }>(
      'select o.event_id, o.subject from outbox o join events e using (event_id) where e.stream_id = ? order by o.id',
      [streamId],
    );
    assert.deepEqual(
      outbox.map((r) => r.event_id),
      expectedIds,
      'one outbox row per committed event, in version order',
    );
    const subject = subjectsFor(config.namespace).event(TENANT, 'Counter', streamId);
    assert.ok(outbox.every((r) => r.subject === subject));
    const loaded = await store.load({ tenant: TENANT, streamType: 'Counter', streamId });
    assert.equal(loaded.version, expectedIds.length);
  }

  function assertConflicts(errors: unknown[], streamId: string, expectedVersion: number, count: number): void {
    assert.equal(errors.length, count);
    for (const error of errors) {
      assert.ok(error instanceof StreamVersionConflict, `expected StreamVersionConflict, got ${String(error)}`);
      assert.equal(error.streamId, streamId);
      assert.equal(error.expectedVersion, expectedVersion);
    }
  }

  it('two concurrent appends at the same expected version: exactly one wins, the other gets StreamVersionConflict', async () => {
    const streamId = randomUUID();
    const first = await race([appendRequest(streamId, 0), appendRequest(streamId, 0)]);
    assert.equal(first.won.length, 1);
    assertConflicts(first.errors, streamId, 0, 1);
    // And again from version 2, on a stream that already has events.
    const second = await race([appendRequest(streamId, 2), appendRequest(streamId, 2)]);
    assert.equal(second.won.length, 1);
    assertConflicts(second.errors, streamId, 2, 1);
    await assertStreamIntact(streamId, [...first.won, ...second.won]);
  });

  it('20 concurrent appends at the same expected version, 10 rounds: one winner per round, versions without gaps', async () => {
    const streamId = randomUUID();
    const winners: AppendRequest[] = [];
    let version = 0;
    for (let round = 0; round < 10; round += 1) {
      // Appends of 1 to 3 events, so that a loser's partial write would show as a gap or an overlap.
      const requests = Array.from({ length: 20 }, (_, i) => appendRequest(streamId, version, 1 + (i % 3)));
      const { won, errors } = await race(requests);
      assert.equal(won.length, 1, `round ${round}: exactly one winner`);
      assertConflicts(errors, streamId, version, 19);
      winners.push(won[0]!);
      version += won[0]!.events.length;
    }
    await assertStreamIntact(streamId, winners);
    // An append from a stale version still conflicts after the races.
    await assert.rejects(store.append(appendRequest(streamId, version - 1)), StreamVersionConflict);
  });

  it('an append whose idempotency key is taken raises IdempotencyKeyTaken and writes no event', async () => {
    const key = `key-${randomUUID()}`;
    const claim = { key, command: 'increment', requestHash: 'h1' };
    const firstStream = randomUUID();
    const first = appendRequest(firstStream, 0, 1, { idempotency: claim });
    await store.append(first);
    const [record] = await query<{ aggregate_id: string; version: number; last_event_id: string }>(
      'select aggregate_id, version, last_event_id from idempotency_keys where tenant = ? and key = ?',
      [TENANT, key],
    );
    assert.deepEqual(record, { aggregate_id: firstStream, version: 1, last_event_id: first.eventIds[0] });

    const countBefore = await query<{ events: string; outbox: string }>(
      'select (select count(*) from events) as events, (select count(*) from outbox) as outbox',
    );
    const otherStream = randomUUID();
    const second = appendRequest(otherStream, 0, 2, { idempotency: { ...claim, requestHash: 'h2' } });
    await assert.rejects(store.append(second), (error: unknown) => {
      assert.ok(error instanceof IdempotencyKeyTaken, `expected IdempotencyKeyTaken, got ${String(error)}`);
      assert.equal(error.key, key);
      return true;
    });
    // The same key on the first stream, from its current version, is refused as well.
    await assert.rejects(store.append(appendRequest(firstStream, 1, 1, { idempotency: claim })), IdempotencyKeyTaken);

    const countAfter = await query<{ events: string; outbox: string }>(
      'select (select count(*) from events) as events, (select count(*) from outbox) as outbox',
    );
    assert.deepEqual(countAfter, countBefore, 'no event and no outbox row written');
    assert.equal((await store.load({ tenant: TENANT, streamType: 'Counter', streamId: otherStream })).version, 0);
    assert.equal((await store.load({ tenant: TENANT, streamType: 'Counter', streamId: firstStream })).version, 1);
    assert.equal((await query('select 1 from events where event_id = any(?::uuid[])', [pgArray(second.eventIds)])).length, 0);
    const [kept] = await query<{ request_hash: string; aggregate_id: string }>(
      'select request_hash, aggregate_id from idempotency_keys where tenant = ? and key = ?',
      [TENANT, key],
    );
    assert.deepEqual(kept, { request_hash: 'h1', aggregate_id: firstStream }, 'the first claim is untouched');

    // Keys are per tenant: the same key is free in another tenant.
    await store.append({ ...appendRequest(randomUUID(), 0, 1, { idempotency: claim }), tenant: 'globex' });
  });

  it('concurrent appends with one idempotency key on different streams: one wins, the others write nothing', async () => {
    const key = `key-${randomUUID()}`;
    const requests = Array.from({ length: 10 }, () =>
      appendRequest(randomUUID(), 0, 1, { idempotency: { key, command: 'increment', requestHash: 'h' } }),
    );
    const { won, errors } = await race(requests);
    assert.equal(won.length, 1);
    assert.equal(errors.length, 9);
    assert.ok(errors.every((e) => e instanceof IdempotencyKeyTaken));
    const streams = await query<{ stream_id: string }>('select distinct stream_id from events where stream_id = any(?::text[])', [
      pgArray(requests.map((r) => r.streamId)),
    ]);
    assert.deepEqual(
      streams.map((s) => s.stream_id),
      [won[0]!.streamId],
    );
  });
  it('group commit: 64 concurrent appends share a few transactions, and a conflict in a batch fails only its own append', async () => {
    const streams = Array.from({ length: 48 }, () => randomUUID());
    // 48 appends to fresh streams plus 16 that race the first 16 of them from the same version.
    const requests = [...streams.map((id) => appendRequest(id, 0, 1)), ...streams.slice(0, 16).map((id) => appendRequest(id, 0, 2))];
    const { won, errors } = await race(requests);
    assert.equal(won.length, 48, 'one winner per stream');
    assert.equal(errors.length, 16);
    assert.ok(errors.every((e) => e instanceof StreamVersionConflict));
    for (const id of streams.slice(0, 3))
      await assertStreamIntact(
        id,
        won.filter((w) => w.streamId === id),
      );
    // now() is the transaction's start time: appends of one transaction share it.
    const transactions = await query<{ n: string }>(
      'select count(distinct recorded_at) as n from events where stream_id = any(?::text[])',
      [pgArray(streams)],
    );
    assert.ok(Number(transactions[0]!.n) <= 8, `48 appends in ${transactions[0]!.n} transactions (one each without group commit)`);
  });
  it('group commit: two batches appending to the same streams in opposite orders do not deadlock', async () => {
    const streams = Array.from({ length: 60 }, () => randomUUID());
    const batch = (ids: string[]) =>
      ids.map((streamId) => {
        const [eventId] = store.newEventIds(1);
        const event = {
          eventId,
          type: 'Incremented',
          schemaVersion: 1,
          tenant: TENANT,
          aggregateType: 'Counter',
          aggregateId: streamId,
          version: 1,
          occurredAt: new Date().toISOString(),
          data: { by: 1 },
          metadata: {},
        };
        return { subject: 'counter', events: [event] };
      });
    const gate = new pg.Client({ connectionString: config.writeDatabaseUrl });
    const clients = [
      new pg.Client({ connectionString: config.writeDatabaseUrl }),
      new pg.Client({ connectionString: config.writeDatabaseUrl }),
    ];
    await Promise.all([gate, ...clients].map((client) => client.connect()));
    try {
      // Both calls wait behind one advisory lock, so that they start at the same moment.
      await gate.query('select pg_advisory_lock(4242)');
      const calls = [streams, [...streams].reverse()].map((ids, i) =>
        clients[i]!.query<{ outcomes: AppendOutcome[] }>('select pg_advisory_lock_shared(4242), append_batch($1::jsonb) as outcomes', [
          JSON.stringify(batch(ids)),
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await gate.query('select pg_advisory_unlock(4242)');
      const [forward, backward] = (await Promise.all(calls)).map((result) => result.rows[0]!.outcomes.map((o) => o.outcome));
      const failures = [...forward!, ...backward!].filter((outcome) => outcome !== 'appended' && outcome !== 'stream_version_taken');
      assert.deepEqual(failures, [], 'only stream-version conflicts, no deadlock victim');
      const won = streams.filter((_, i) => forward![i] === 'appended' || backward![streams.length - 1 - i] === 'appended');
      assert.equal(won.length, streams.length);
      assert.equal([...forward!, ...backward!].filter((outcome) => outcome === 'appended').length, streams.length, 'one append per stream');
    } finally {
      await Promise.all([gate, ...clients].map((client) => client.end()));
    }
  });
});
