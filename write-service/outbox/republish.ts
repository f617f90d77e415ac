import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type pg from 'pg';
import { encodeJson, type Subjects } from '../../platform/index.js';
import { publishChained } from './chained-publish.js';
import { RepublishError } from './republish-error.js';
import { guardSequences } from './sequence-guard.js';

/** Which events to publish again: a range of global positions, or given events (what verify found missing). */
export type RepublishSelection = { from: number; to?: number } | { eventIds: readonly string[] };

export interface RepublishOptions {
  /** A connection to the write database (the event store and the outbox). */
  client: pg.Client;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  selection: RepublishSelection;
  /** Stream positions kept outside the write database (the projections' checkpoints), for guardSequences. */
  consumerPositions?: readonly number[];
  /** Events pipelined at once (default 500). */
  batchSize?: number;
  publishTimeoutMs?: number;
}

export interface RepublishReport {
  /** Events selected that the relay had published (the only ones republished). */
  selected: number;
  /** Events selected that the relay has not published yet: left to it. */
  leftToRelay: number;
  /** Stored afresh. */
  published: number;
  /** Still in the stream: JetStream deduplicated them by Nats-Msg-Id. */
  duplicates: number;
  /**
   * Deduplicated against a message the stream no longer holds (the dedupe window outlives a purge
   * or a deletion): not stored, not marked. Run again once the window (2 min) has passed.
   */
  phantoms: string[];
  /** The stream's next sequence was first moved here (see guardSequences). */
  advancedTo?: number;
  /** The stream sequences the republished events got. */
  firstSeq?: number;
  lastSeq?: number;
}

interface Row {
  global_position: string;
  id: string;
  event_id: string;
  subject: string;
  payload: unknown;
}

/**
 * Publishes events from the event store to the stream again, for a stream that lost them
 * (JetStream acknowledges before fsync by default; DESIGN.md §5). In global_position order (each
 * aggregate's versions in order, causes before effects), with Nats-Msg-Id = event id (JetStream
 * drops what it still holds within its dedupe window), chained so that a failure stops it (see
 * publishChained), and the outbox marked with each event's new stream sequence. Only events the
 * relay had published are taken: it publishes the others itself. First, guardSequences makes sure
 * the messages land where consumers read them. Consumers apply republished events at most once:
 * single-stream views by their row version, multi-stream views by projection_applied_versions.
 */
export async function republish(options: RepublishOptions): Promise<RepublishReport> {
  const { client, selection } = options;
  const where =
    'from' in selection
      ? { sql: 'e.global_position between $1 and $2', params: [selection.from, selection.to ?? Number.MAX_SAFE_INTEGER] }
      : { sql: 'e.event_id = any($1::uuid[])', params: [[...selection.eventIds]] };
  const positions = (
    await client.query<{ global_position: string; published: boolean }>(
      `select e.global_position, o.published_at is not null as published from events e join outbox o on o.event_id = e.event_id
      where ${where.sql} order by e.global_position`,
      where.params,
    )
  ).rows;
  const selected = positions.filter((row) => row.published).map((row) => row.global_position);
  const report: RepublishReport = {
    selected: selected.length,
    leftToRelay: positions.length - selected.length,
    published: 0,
    duplicates: 0,
    phantoms: [],
  };
  if (selected.length === 0) return report;

  const advancedTo = await guardSequences(client, options.jsm, options.subjects, options.consumerPositions ?? []);
  if (advancedTo !== undefined) report.advancedTo = advancedTo;
  const batchSize = options.batchSize ?? 500;
  for (let start = 0; start < selected.length; start += batchSize) {
    const rows = (
      await client.query<Row>(
        `select e.global_position, o.id, o.event_id, o.subject, o.payload from events e join outbox o on o.event_id = e.event_id
        where e.global_position = any($1::bigint[]) order by e.global_position`,
        [selected.slice(start, start + batchSize)],
      )
    ).rows;
    const items = rows.map((row) => ({ msgId: row.event_id, subject: row.subject, data: encodeJson(row.payload) }));
    const { acked, failure } = await publishChained(options.js, items, options.publishTimeoutMs ?? 5000);
    await settle(options, rows, acked, report);
    if (failure) {
      const row = rows[failure.index]!;
      throw RepublishError.publishFailed(Number(row.global_position), row.event_id, failure.error, report.published + report.duplicates);
    }
  }
  return report;
}

/** Counts the acknowledged rows and marks them with their stream sequence, except duplicates of a message that is gone. */
async function settle(options: RepublishOptions, rows: Row[], acked: PubAck[], report: RepublishReport): Promise<void> {
  const marks: { id: string; seq: number }[] = [];
  for (const [index, ack] of acked.entries()) {
    const row = rows[index]!;
    if (ack.duplicate && !(await holds(options, ack.seq, row.event_id))) {
      report.phantoms.push(row.event_id);
      continue;
    }
    if (ack.duplicate) report.duplicates += 1;
    else report.published += 1;
    marks.push({ id: row.id, seq: ack.seq });
    report.firstSeq = Math.min(report.firstSeq ?? ack.seq, ack.seq);
    report.lastSeq = Math.max(report.lastSeq ?? ack.seq, ack.seq);
  }
  if (marks.length === 0) return;
  await options.client.query(
    'update outbox set stream_seq = v.seq from unnest($1::bigint[], $2::bigint[]) as v(id, seq) where outbox.id = v.id',
    [marks.map((mark) => mark.id), marks.map((mark) => mark.seq)],
  );
}

/** Whether the stream holds the message with this Nats-Msg-Id at `seq` (one request: only for duplicates). */
async function holds(options: RepublishOptions, seq: number, msgId: string): Promise<boolean> {
  const stored = await options.jsm.streams.getMessage(options.subjects.stream, { seq }).catch(() => null);
  return stored?.header?.get('Nats-Msg-Id') === msgId;
}
