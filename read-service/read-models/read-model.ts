import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope, ViewChange } from '../../schema/index.js';

/** A view row as changed by a write, announced after commit at the position the engine gives it. */
export type RowChange = Omit<ViewChange, 'position'>;

/** A change with its place in a run of events (stream order), for the set-based SQL. */
export type Ordered<Change> = Change & { ord: number };

/**
 * A read model as data: its name (checkpoint, consumer, lock), its tables, the events it reads,
 * and what an event does to its rows as a plain change description (`toChanges`, pure: the
 * rules live there). Two writers take the same descriptions, so that only the SQL differs:
 * `writeOne` for one event's changes, `writeRun` (optional) for a run of events in a few
 * set-based statements. Both are idempotent per event version (G3): single-stream rows by their
 * version, multi-stream rows by `claim` per source aggregate (row-sql.ts). `writeRun` writes
 * exactly what `writeOne` would change by change, or throws `Unbatchable` rather than guess; it
 * returns each changed row once, as it stands after the run. The projection engine decides which
 * writer runs (projection-engine/apply-run.ts).
 */
export interface ReadModel<Change extends object = object> {
  readonly name: string;
  readonly tables: readonly string[];
  readonly eventTypes: ReadonlySet<string>;
  toChanges(event: EventEnvelope): Change[];
  writeOne(tx: EntityManager, change: Change): Promise<RowChange[]>;
  writeRun?(tx: EntityManager, changes: readonly Ordered<Change>[], announce: boolean): Promise<RowChange[]>;
}

/** The source aggregate of a change to a multi-stream row: what `claim` guards on. */
export interface Source {
  tenant: string;
  stream_type: string;
  stream_id: string;
  version: number;
}

export function sourceOf(event: EventEnvelope): Source {
  return { tenant: event.tenant, stream_type: event.aggregateType, stream_id: event.aggregateId, version: event.version };
}
