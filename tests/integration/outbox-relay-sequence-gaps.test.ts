import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { OUTBOX_CHANNEL } from '../../write-service/event-store/event-store.js';
import { outboxRelaySystem, TENANT, TYPE } from '../support/outbox-relay-system.js';

describe('outbox relay against a private nats-server (G1, G2)', () => {
  const system = outboxRelaySystem();
  const {
    subjects,
    logLines,
    observed,
    startRelay,
    stopRelay,
    query,
    unpublished,
    waitAllPublished,
    waitPublished,
    appendMany,
    assertStreamMatchesStore,
  } = system;

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

  /** Inserts version 1 of a Counter with its outbox row in a transaction left open (the caller commits). */
  async function openLateAppend(streamId: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: system.config.writeDatabaseUrl });
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
