import type { EntityManager } from '@mikro-orm/postgresql';
import { filterCondition, type DeadLetterFilter } from './dead-letter-filter.js';

/** A dead letter as stored: an event a projection gave up on, with what went wrong. */
export interface StoredDeadLetter {
  id: number;
  projection: string;
  streamSeq: number;
  eventId: string | null;
  eventType: string | null;
  tenant: string | null;
  payload: string;
  error: string;
  attempts: number;
  createdAt: string;
  retriedAt: string | null;
  discardedAt: string | null;
}

interface Row {
  id: string;
  projection: string;
  stream_seq: string;
  event_id: string | null;
  event_type: string | null;
  tenant: string | null;
  payload: string;
  error: string;
  attempts: number;
  created_at: Date;
  retried_at: Date | null;
  discarded_at: Date | null;
}

const COLUMNS = 'id, projection, stream_seq, event_id, event_type, tenant, payload, error, attempts, created_at, retried_at, discarded_at';

export function toDeadLetter(row: Row): StoredDeadLetter {
  return {
    id: Number(row.id),
    projection: row.projection,
    streamSeq: Number(row.stream_seq),
    eventId: row.event_id,
    eventType: row.event_type,
    tenant: row.tenant,
    payload: row.payload,
    error: row.error,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    retriedAt: row.retried_at === null ? null : new Date(row.retried_at).toISOString(),
    discardedAt: row.discarded_at === null ? null : new Date(row.discarded_at).toISOString(),
  };
}

/** The dead letters the filter selects, by projection and stream sequence. */
export async function listDeadLetters(em: EntityManager, filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
  const { sql, params } = filterCondition(filter);
  const rows = await em.execute<Row[]>(`select ${COLUMNS} from dead_letters where ${sql} order by projection, stream_seq`, params);
  return rows.map(toDeadLetter);
}

/** One dead letter, locked until the end of the transaction; undefined once it is gone or discarded. */
export async function lockOpenDeadLetter(tx: EntityManager, id: number): Promise<StoredDeadLetter | undefined> {
  const rows = await tx.execute<Row[]>(`select ${COLUMNS} from dead_letters where id = ? and discarded_at is null for update`, [id]);
  return rows[0] ? toDeadLetter(rows[0]) : undefined;
}

/**
 * Marks the open dead letters the filter selects as discarded: the projection leaves their events
 * out on purpose. The rows stay, as history; verify reports them apart from differences.
 */
export async function discardDeadLetters(em: EntityManager, filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
  const { sql, params } = filterCondition({ ...filter, discarded: false });
  const rows = await em.execute<Row[]>(`update dead_letters set discarded_at = now() where ${sql} returning ${COLUMNS}`, params);
  return rows.map(toDeadLetter).sort((a, b) => a.projection.localeCompare(b.projection) || a.streamSeq - b.streamSeq);
}
