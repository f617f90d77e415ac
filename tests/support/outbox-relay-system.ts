import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import type { Config } from '../../platform/config.js';
import { dropDatabase, openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor } from '../../platform/subjects.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { EventStore } from '../../write-service/event-store/event-store.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import { startOutboxRelay } from '../../write-service/outbox/outbox-relay.js';
import { testConfig, uniqueNamespace } from './namespace.js';
import { PrivateNats } from './private-nats.js';
import { waitFor } from './wait.js';

export const TENANT = 'acme';
export const TYPE = 'Counter';

interface StreamEntry {
  seq: number;
  msgId: string | undefined;
  envelope: EventEnvelope;
}

/**
 * The event store and its outbox relay against a nats-server of their own (so that a test can stop
 * it), in a namespace of their own, for one test file: call it inside the file's describe, where it
 * adds the before hook that starts them and the after hook that removes them. Returns the relay's
 * log lines and logger, how to start and stop the relay, append events, wait for them to be
 * published and check the stream against the store; `nats`, `config`, `store` and `jsm` are there
 * once the before hook has run.
 */
export function outboxRelaySystem() {
  const namespace = uniqueNamespace('outbox');
  const subjects = subjectsFor(namespace);
  let nats: PrivateNats;
  let config: Config;
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
    config = testConfig(namespace, { NATS_URL: nats.url });
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

  return {
    subjects,
    logLines,
    observed,
    logger,
    startRelay,
    stopRelay,
    query,
    unpublished,
    waitAllPublished,
    waitPublished,
    appendMany,
    assertStreamMatchesStore,
    get nats() {
      return nats;
    },
    get config() {
      return config;
    },
    get store() {
      return store;
    },
    get jsm() {
      return jsm;
    },
  };
}
