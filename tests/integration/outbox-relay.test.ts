import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { pino } from 'pino';
import type { Config } from '../../platform/config.js';
import { dropDatabase, openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { EventStore, OUTBOX_CHANNEL, StreamVersionConflict } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { startOutboxRelay } from '../../write-service/outbox/outbox-relay.js';
import { testConfig, uniqueNamespace } from '../support/namespace.js';
import { PrivateNats } from '../support/private-nats.js';
import { waitFor } from '../support/wait.js';

const TENANT = 'acme';
const TYPE = 'Counter';

interface StreamEntry {
  seq: number;
  msgId: string | undefined;
  envelope: EventEnvelope;
}

describe('outbox relay against a private nats-server (G1, G2)', () => {
  let nats: PrivateNats;
  let config: Config;
  let subjects: Subjects;
  let orm: Orm;
  let store: EventStore;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let relay: { stop(): Promise<void> } | undefined;
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug', base: { service: 'outbox-relay-test' } },
    {
      write(line: string) {
        logLines.push(line);
        if (process.env.TEST_SERVICE_LOGS) process.stderr.write(line);
      },
    },
  );

  /** What the relay told of its publishes (what the write-service's metrics count). */
  const observed = { published: 0, failed: 0 };
  const startRelay = (options: { sweepMs?: number } = {}) => {
    // A shorter publish timeout than the default 5 s only makes the outage test quicker.
    relay = startOutboxRelay({
      databaseUrl: config.writeDatabaseUrl,
      nc,
      js,
      subjects,
      logger,
      publishTimeoutMs: 2000,
      onPublished: () => (observed.published += 1),
      onPublishFailed: () => (observed.failed += 1),
      ...options,
    });
  };
  const stopRelay = async () => {
    await relay?.stop();
    relay = undefined;
  };

  before(async () => {
    nats = await PrivateNats.start();
    config = testConfig(uniqueNamespace('outbox'), { NATS_URL: nats.url });
    subjects = subjectsFor(config.namespace);
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations, poolSize: 10 });
    store = new EventStore(orm, subjects);
    nc = await connectNats(nats.url, 'outbox-relay-test', logger);
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    startRelay();
  });

  after(async () => {
    await stopRelay().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await orm?.close().catch(() => undefined);
    if (config) {
      // The stream lives on the private server, which is removed with its store directory.
      await dropDatabase(config.writeDatabaseUrl);
      await dropDatabase(config.readDatabaseUrl);
    }
    await nats?.destroy();
  });

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return orm.em.fork().execute<T[]>(sql, params);
  }

  async function unpublished(): Promise<number> {
    const [row] = await query<{ count: string }>('select count(*) from outbox where published_at is null');
    return Number(row?.count);
  }

  async function waitAllPublished(timeoutMs: number, what: string): Promise<void> {
    await waitFor(async () => (await unpublished()) === 0, { timeoutMs, intervalMs: 20, what });
  }

  async function waitPublished(eventId: string): Promise<number> {
    return waitFor(
      async () => {
        const [row] = await query<{ stream_seq: string | null }>('select stream_seq from outbox where event_id = ?', [eventId]);
        return row?.stream_seq ? Number(row.stream_seq) : undefined;
      },
      { timeoutMs: 10_000, what: `event ${eventId} to be published` },
    );
  }

  /** Appends `count` events to one aggregate, 1 to 3 per transaction; returns the version reached. */
  async function appendMany(streamId: string, count: number, from = 0): Promise<number> {
    let version = from;
    while (version < from + count) {
      const n = Math.min(1 + (version % 3), from + count - version);
      const eventIds = store.newEventIds(n);
      const result = await store.append({
        tenant: TENANT,
        streamType: TYPE,
        streamId,
        expectedVersion: version,
        events: eventIds.map((_, i) => ({ type: 'Incremented', data: { n: version + i + 1 } })),
        eventIds,
        metadata: { correlationId: randomUUID() },
        occurredAt: new Date().toISOString(),
      });
      version = result.version;
    }
    return version;
  }

  /** Reads the whole stream from seq 1 with an ordered consumer. */
  async function readStream(): Promise<StreamEntry[]> {
    const info = await jsm.streams.info(subjects.stream);
    const last = info.state.last_seq;
    const entries: StreamEntry[] = [];
    if (info.state.messages === 0) return entries;
    const consumer = await js.consumers.get(subjects.stream);
    const messages = await consumer.consume();
    const timer = setTimeout(() => messages.stop(), 15_000);
    try {
      for await (const msg of messages) {
        entries.push({ seq: msg.seq, msgId: msg.headers?.get('Nats-Msg-Id'), envelope: msg.json<EventEnvelope>() });
        if (msg.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    assert.equal(entries.at(-1)?.seq, last, 'read the stream to its end');
    return entries;
  }

  /**
   * The stream against the event store: every committed event exactly once (by event id and
   * Nats-Msg-Id), nothing else; per aggregate, versions 1..n in stream order; the outbox
   * records the stream sequence each event really has.
   */
  async function assertStreamMatchesStore(): Promise<StreamEntry[]> {
    const entries = await readStream();
    const committed = await query<{ event_id: string; stream_id: string; version: number; stream_seq: string | null }>(
      `select e.event_id, e.stream_id, e.version, o.stream_seq from events e join outbox o using (event_id) order by o.id`,
    );
    const counts = new Map<string, number>();
    for (const entry of entries) {
      assert.equal(entry.msgId, entry.envelope.eventId, `Nats-Msg-Id is the event id at seq ${entry.seq}`);
      counts.set(entry.envelope.eventId, (counts.get(entry.envelope.eventId) ?? 0) + 1);
    }
    const duplicates = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(duplicates, [], 'no event appears twice in the stream');
    const missing = committed.filter((row) => !counts.has(row.event_id));
    assert.deepEqual(missing, [], 'no committed event is missing from the stream (G1)');
    assert.equal(entries.length, committed.length, 'the stream holds the committed events and nothing else');
    const seqOf = new Map(entries.map((entry) => [entry.envelope.eventId, entry.seq]));
    for (const row of committed) assert.equal(Number(row.stream_seq), seqOf.get(row.event_id), `outbox.stream_seq of ${row.event_id}`);

    const versions = new Map<string, number[]>();
    for (const entry of entries) {
      const key = `${entry.envelope.tenant}/${entry.envelope.aggregateType}/${entry.envelope.aggregateId}`;
      versions.set(key, [...(versions.get(key) ?? []), entry.envelope.version]);
    }
    for (const [aggregate, seen] of versions) {
      assert.deepEqual(
        seen,
        seen.map((_, i) => i + 1),
        `versions of ${aggregate} in stream order (G2)`,
      );
    }
    return entries;
  }

  it('events committed while NATS is down are all published once it is back: none lost, none twice, per-aggregate order', async () => {
    const aggregates = Array.from({ length: 6 }, () => randomUUID());
    await Promise.all(aggregates.map((id) => appendMany(id, 2)));
    await waitAllPublished(10_000, 'the first events to be published');

    await nats.stopProcess();
    const downAt = Date.now();
    // PostgreSQL is the source of truth: appends commit with the broker down.
    const before = (await query<{ count: string }>('select count(*) from outbox'))[0]!.count;
    await Promise.all(aggregates.map((id) => appendMany(id, 40, 2)));
    // A losing append while the broker is down: never committed, so never published (G1).
    const loserIds = store.newEventIds(1);
    await assert.rejects(
      store.append({
        tenant: TENANT,
        streamType: TYPE,
        streamId: aggregates[0]!,
        expectedVersion: 1,
        events: [{ type: 'Incremented', data: {} }],
        eventIds: loserIds,
        metadata: { correlationId: randomUUID() },
        occurredAt: new Date().toISOString(),
      }),
      StreamVersionConflict,
    );
    const appended = (await query<{ count: string }>('select count(*) from outbox'))[0]!.count;
    assert.equal(Number(appended) - Number(before), 6 * 40);
    assert.equal(await unpublished(), 6 * 40, 'nothing is marked published while the broker is down');
    // Let the relay fail at least once against the missing broker before it returns.
    await waitFor(() => logLines.some((line) => line.includes('publish failed')), {
      timeoutMs: 15_000,
      what: 'the relay to notice the broker is down',
    });
    assert.ok(observed.failed > 0, 'the failed publishes are told (cqrs_eventbus_publish_errors_total)');

    await nats.startProcess();
    const upAt = Date.now();
    await waitAllPublished(30_000, 'the backlog to be published after the broker returned');
    const catchUpMs = Date.now() - upAt;
    logger.info({ downMs: upAt - downAt, catchUpMs }, 'backlog published');

    const entries = await assertStreamMatchesStore();
    assert.equal(entries.length, 6 * 42);
    assert.ok(entries.every((entry) => !loserIds.includes(entry.envelope.eventId)));

    // And the relay keeps going after the outage.
    const next = store.newEventIds(1)[0]!;
    await store.append({
      tenant: TENANT,
      streamType: TYPE,
      streamId: aggregates[1]!,
      expectedVersion: 42,
      events: [{ type: 'Incremented', data: {} }],
      eventIds: [next],
      metadata: { correlationId: randomUUID() },
      occurredAt: new Date().toISOString(),
    });
    await waitPublished(next);
  });

  it('rows reset to unpublished (a crash before marking) are republished without duplicates or stalling', async () => {
    const seqBefore = new Map(
      (await query<{ event_id: string; stream_seq: string }>('select event_id, stream_seq from outbox')).map((r) => [
        r.event_id,
        Number(r.stream_seq),
      ]),
    );
    const lastSeq = (await jsm.streams.info(subjects.stream)).state.last_seq;
    // The relay "crashes" before marking the older half (the republished rows are not at the
    // stream's tail), and its successor takes over.
    await stopRelay();
    await query(
      `update outbox set published_at = null, stream_seq = null where id <= (select percentile_disc(0.5) within group (order by id) from outbox)`,
    );
    const reset = await unpublished();
    assert.ok(reset > 100);
    const aggregates = Array.from({ length: 3 }, () => randomUUID());
    const publishedBefore = observed.published;
    const started = Date.now();
    startRelay();
    await Promise.all(aggregates.map((id) => appendMany(id, 10)));
    await waitAllPublished(10_000, 'the reset rows and the new ones to be published');
    const elapsedMs = Date.now() - started;
    assert.equal(observed.published - publishedBefore, 30, 'only the new events are told published; the duplicates were stored before');

    await assertStreamMatchesStore();
    const info = await jsm.streams.info(subjects.stream);
    assert.equal(info.state.last_seq, lastSeq + 30, 'only the 30 new events were added to the stream');
    const seqAfter = await query<{ event_id: string; stream_seq: string }>('select event_id, stream_seq from outbox');
    for (const row of seqAfter) {
      if (seqBefore.has(row.event_id))
        assert.equal(Number(row.stream_seq), seqBefore.get(row.event_id), 'a republished row keeps its first sequence');
    }
    assert.ok(elapsedMs < 3_000, `republishing took ${elapsedMs} ms`);
  });

  it('sequence gaps plus a crash before marking: a duplicate never lets a later version overtake an earlier one (G2), and the relay does not back off', async () => {
    const K = 8;
    // h: a row published before everything below; it will be republished as a duplicate that is not the stream's tail.
    const h = randomUUID();
    await appendMany(h, 1);
    await waitAllPublished(10_000, 'h to be published');

    const late: pg.Client[] = [];
    const xs = Array.from({ length: K }, () => randomUUID());
    const ys = Array.from({ length: K }, () => randomUUID());
    try {
      for (let k = 0; k < K; k += 1) {
        // X_k v1 takes the lower outbox id and stays uncommitted...
        late.push(await openLateAppend(xs[k]!));
        // ...while Y_k v1 takes the next one, commits, and is published (the relay cannot see X_k).
        await appendMany(ys[k]!, 1);
        const [y] = await query<{ event_id: string }>('select event_id from events where stream_id = ?', [ys[k]]);
        await waitPublished(y!.event_id);
      }
      // The relay "crashes" after publishing h and the Y_k but before marking them.
      await stopRelay();
      await query(
        `update outbox set published_at = null, stream_seq = null
                    where event_id in (select event_id from events where stream_id = any(?::text[]))`,
        [pgArray([h, ...ys])],
      );
      for (const client of late) {
        await client.query(`select pg_notify($1, '')`, [OUTBOX_CHANNEL]);
        await client.query('commit');
      }
    } finally {
      await Promise.all(late.map((client) => client.end().catch(() => undefined)));
    }
    // Each X_k gets its version 2, committed after version 1.
    await Promise.all(xs.map((id) => appendMany(id, 1, 1)));
    // In id order the relay now sees: h (dup), X1v1, Y1 (dup), X2v1, ..., XKv1, YK (dup, the stream's tail), X1v2, ..., XKv2.
    assert.equal(await unpublished(), 1 + 3 * K);

    const failuresBefore = logLines.filter((line) => line.includes('publish failed')).length;
    const failedBefore = observed.failed;
    const started = Date.now();
    startRelay();
    await waitAllPublished(30_000, 'the republished and late rows to be published');
    const elapsedMs = Date.now() - started;
    await assertStreamMatchesStore();
    const failures = logLines.filter((line) => line.includes('publish failed')).length - failuresBefore;
    assert.equal(observed.failed - failedBefore, 0, 'a refusal behind a duplicate is no publish error');
    // Each X_k v1 is refused once behind a duplicate at worst; an exponential back-off on these
    // refusals would take seconds (100 ms, 200 ms, ... 2 s per step).
    assert.ok(elapsedMs < 2_000, `publishing ${1 + 3 * K} rows took ${elapsedMs} ms (${failures} publish failures logged)`);
  });

  it('rows made unpublished under a running relay, below its floor, are found by its sweep from the beginning', async () => {
    await stopRelay();
    startRelay({ sweepMs: 300 });
    const id = randomUUID();
    await appendMany(id, 20);
    await waitAllPublished(10_000, 'the rows to be published');
    const [ids] = await query<{ first: string; last: string }>(
      'select min(o.id) as first, max(o.id) as last from outbox o join events e using (event_id) where e.stream_id = ?',
      [id],
    );
    const first = { id: ids!.first };
    // Until the floor is above them, a scan would find them anyway.
    await waitFor(
      () =>
        logLines.some((line) => line.includes('relay floor moved') && (JSON.parse(line) as { floor: number }).floor >= Number(ids!.last)),
      { timeoutMs: 10_000, what: 'the relay floor to pass the rows' },
    );
    const lastSeq = (await jsm.streams.info(subjects.stream)).state.last_seq;
    await query(`update outbox set published_at = null, stream_seq = null where id >= ? and id < ? + 5`, [first.id, first.id]);
    await waitAllPublished(10_000, 'the sweep to republish the rows below the floor');
    await waitFor(() => logLines.some((line) => line.includes('below the relay floor')), {
      timeoutMs: 5_000,
      what: 'the relay to report rows below its floor',
    });
    await assertStreamMatchesStore();
    assert.equal((await jsm.streams.info(subjects.stream)).state.last_seq, lastSeq, 'republished as duplicates, nothing added');
    await stopRelay();
    startRelay();
  });

  /** Inserts version 1 of a Counter with its outbox row in a transaction left open (the caller commits). */
  async function openLateAppend(streamId: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: config.writeDatabaseUrl });
    await client.connect();
    const envelope: EventEnvelope = {
      eventId: randomUUID(),
      type: 'Incremented',
      schemaVersion: 1,
      tenant: TENANT,
      aggregateType: TYPE,
      aggregateId: streamId,
      version: 1,
      occurredAt: new Date().toISOString(),
      data: { n: 1 },
      metadata: { correlationId: randomUUID() },
    };
    await client.query('begin');
    await client.query(
      `insert into events (event_id, tenant, stream_type, stream_id, version, type, schema_version, data, metadata, occurred_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        envelope.eventId,
        TENANT,
        TYPE,
        streamId,
        1,
        envelope.type,
        1,
        JSON.stringify(envelope.data),
        JSON.stringify(envelope.metadata),
        envelope.occurredAt,
      ],
    );
    await client.query('insert into outbox (event_id, subject, payload) values ($1, $2, $3)', [
      envelope.eventId,
      subjects.event(TENANT, TYPE, streamId),
      JSON.stringify(envelope),
    ]);
    return client;
  }
});

function pgArray(values: string[]): string {
  return `{${values.join(',')}}`;
}
