import type pg from 'pg';
import type { Orm } from '../../platform/postgres/index.js';
import type { EventEnvelope, EventMetadata } from '../../schema/index.js';
import { applyRun } from '../projection-engine/apply-run.js';
import { asEvent } from '../projection-engine/decode-event.js';
import type { ReadModel } from '../read-models/read-model.js';
import type { ScratchSchema } from './scratch-schema.js';

/** An event of the event store that a read model refused in the fold. */
export interface FoldFailure {
  projection: string;
  globalPosition: number;
  streamSeq: number;
  eventId: string;
  eventType: string;
  error: string;
}

export interface FoldOptions {
  orm: Orm;
  /** A connection to the write database (the event store). */
  writeClient: pg.Client;
  scratch: ScratchSchema;
  projections: readonly ReadModel[];
  /** Each projection's live checkpoint: it gets the events whose stream sequence is at or below it. */
  positions: Readonly<Record<string, number>>;
  /** Per projection, event ids to leave out (its dead letters: the live tables lack them too). */
  skip: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Fold with each read model's set-based writer where it has one (the rebuild's path, about
   * twenty times faster) instead of event by event. Faster, but no longer independent of
   * the path the live runner takes for large batches: a fault there would be folded the same way.
   */
  setBased?: boolean;
  batchSize?: number;
}

export interface FoldResult {
  /** Events read from the store (each once, however many projections apply it). */
  eventsRead: number;
  failures: FoldFailure[];
}

interface StoredEvent {
  globalPosition: number;
  streamSeq: number;
  event: EventEnvelope;
}

/**
 * Folds the event store, the source of truth, into the scratch tables through every read model,
 * event by event: events in `global_position` order (which keeps each aggregate's version order and the
 * order of cause and effect, whatever order the stream holds them in), each projection only the
 * events it has seen live (stream sequence at or below its checkpoint). An event the stream lost,
 * or holds out of order, is folded where it belongs, so the live tables then differ.
 */
export async function foldEventStore(options: FoldOptions): Promise<FoldResult> {
  const until = Math.max(0, ...options.projections.map((p) => options.positions[p.name] ?? 0));
  const batchSize = options.batchSize ?? 2000;
  const failures: FoldFailure[] = [];
  let after = 0;
  let eventsRead = 0;
  for (;;) {
    const batch = await readEvents(options.writeClient, after, until, batchSize);
    if (batch.length === 0) break;
    eventsRead += batch.length;
    after = batch.at(-1)!.globalPosition;
    // Projections write disjoint tables (and disjoint rows of the guard table): side by side.
    await Promise.all(
      options.projections.map(async (projection) => {
        const position = options.positions[projection.name] ?? 0;
        const skipped = options.skip.get(projection.name);
        const share = batch.filter(
          ({ streamSeq, event }) => streamSeq <= position && projection.eventTypes.has(event.type) && !skipped?.has(event.eventId),
        );
        if (share.length > 0) failures.push(...(await apply(options, projection, share)));
      }),
    );
    if (batch.length < batchSize) break;
  }
  return { eventsRead, failures };
}

/** A read model's share of a batch in one transaction through the projection engine, keeping the failures. */
async function apply(options: FoldOptions, model: ReadModel, share: StoredEvent[]): Promise<FoldFailure[]> {
  const items = share.map(({ globalPosition, event }) => ({ seq: globalPosition, event }));
  const setBasedFrom = options.setBased ? 1 : Infinity;
  const run = await options.scratch.inScratch(options.orm, (tx) => applyRun(tx, model, items, { setBasedFrom, announce: false }));
  const byPosition = new Map(share.map((stored) => [stored.globalPosition, stored]));
  return run.failures.map(({ seq, error }) => {
    const stored = byPosition.get(seq)!;
    return {
      projection: model.name,
      globalPosition: seq,
      streamSeq: stored.streamSeq,
      eventId: stored.event.eventId,
      eventType: stored.event.type,
      error: String((error as Error)?.message ?? error),
    };
  });
}

interface EventRow {
  global_position: string;
  stream_seq: string | null;
  event_id: string;
  tenant: string;
  stream_type: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
}

/**
 * The next events above `after` in global order that were published at or below `until`, with
 * their stream sequence; events whose outbox row the retention pruned count as published first.
 */
async function readEvents(client: pg.Client, after: number, until: number, limit: number): Promise<StoredEvent[]> {
  const rows = await client.query<EventRow>(
    `select e.global_position, o.stream_seq, e.event_id, e.tenant, e.stream_type, e.stream_id, e.version, e.type, e.schema_version,
            e.data, e.metadata, e.occurred_at
       from events e left join outbox o on o.event_id = e.event_id
      where e.global_position > $1 and (o.event_id is null or (o.stream_seq is not null and o.stream_seq <= $2))
      order by e.global_position limit $3`,
    [after, until, limit],
  );
  return rows.rows.map((row) => ({
    globalPosition: Number(row.global_position),
    // No outbox row: pruned by the retention, so published long ago, before any checkpoint.
    streamSeq: row.stream_seq === null ? 0 : Number(row.stream_seq),
    event: asEvent({
      eventId: row.event_id,
      type: row.type,
      schemaVersion: row.schema_version,
      tenant: row.tenant,
      aggregateType: row.stream_type,
      aggregateId: row.stream_id,
      version: row.version,
      occurredAt: row.occurred_at.toISOString(),
      data: row.data,
      metadata: row.metadata,
    })!,
  }));
}
