import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JetStreamManager } from '@nats-io/jetstream';
import { type EventStore, StreamVersionConflict } from '../../write-service/event-store/event-store.js';
import { outboxRelaySystem, TENANT, TYPE } from '../support/outbox-relay-system.js';
import type { PrivateNats } from '../support/private-nats.js';
import { waitFor } from '../support/wait.js';

describe('outbox relay against a private nats-server (G1, G2)', () => {
  const system = outboxRelaySystem();
  const {
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
  } = system;
  let nats: PrivateNats;
  let store: EventStore;
  let jsm: JetStreamManager;
  before(() => ({ nats, store, jsm } = system));

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
});
