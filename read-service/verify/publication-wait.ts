import type pg from 'pg';

/** A committed event whose outbox row the relay has not marked published. */
export interface UnpublishedEvent {
  outboxId: number;
  eventId: string;
  subject: string;
  createdAt: string;
}

/**
 * Waits (at most `timeoutMs`) until every outbox row visible now is marked published with its
 * stream sequence, and returns those still unmarked.
 *
 * The relay publishes, then marks: a projection may apply an event before its row says where
 * the event is in the stream. Called after the read snapshot was taken, every event the snapshot
 * can reflect was committed before it, so it is among the rows visible now; once they are marked,
 * "stream_seq <= checkpoint" tells exactly which events each projection has seen. Rows that stay
 * unmarked are events the relay has not published (it is down, or stuck): a finding of their own.
 */
export async function waitForPublication(client: pg.Client, timeoutMs: number, intervalMs = 100): Promise<UnpublishedEvent[]> {
  let pending = (await client.query<{ id: string }>('select id from outbox where published_at is null order by id')).rows.map((r) => r.id);
  const deadline = Date.now() + timeoutMs;
  while (pending.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    pending = (
      await client.query<{ id: string }>('select id from outbox where id = any($1::bigint[]) and published_at is null order by id', [
        pending,
      ])
    ).rows.map((r) => r.id);
  }
  if (pending.length === 0) return [];
  const rows = await client.query<{ id: string; event_id: string; subject: string; created_at: Date }>(
    'select id, event_id, subject, created_at from outbox where id = any($1::bigint[]) and published_at is null order by id',
    [pending],
  );
  return rows.rows.map((r) => ({ outboxId: Number(r.id), eventId: r.event_id, subject: r.subject, createdAt: r.created_at.toISOString() }));
}
