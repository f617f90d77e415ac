import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JetStreamManager } from '@nats-io/jetstream';
import { outboxRelaySystem } from '../support/outbox-relay-system.js';
import { waitFor } from '../support/wait.js';

describe('outbox relay against a private nats-server (G1, G2)', () => {
  const system = outboxRelaySystem();
  const { subjects, logLines, startRelay, stopRelay, query, waitAllPublished, appendMany, assertStreamMatchesStore } = system;
  let jsm: JetStreamManager;
  before(() => ({ jsm } = system));

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
});
