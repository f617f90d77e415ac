import type pg from 'pg';
import type { Subjects } from '../../platform/index.js';
import { projectionLock, rebuildLock } from '../../read-service/index.js';
import { ORDER_SAGA, orderSagaLock, outboxRelayLock } from '../../write-service/index.js';
import { heldLocks } from './held-locks.js';
import type { OutboxState, ProjectionState } from './status-report.js';

/** A projection as the read database knows it: everything but what the stream adds (lag, waiting since). */
export type StoredProjection = Omit<ProjectionState, 'lag' | 'waitingSince'>;

/** Each projection's checkpoint, open dead letters, and whether a runner or a rebuild holds its lock. */
export async function readProjections(client: pg.Client, subjects: Subjects, names: readonly string[]): Promise<StoredProjection[]> {
  // One client runs one statement at a time: in turn.
  const checkpoints = await client.query<{ projection: string; position: string; updated_at: Date | null }>(
    'select projection, position, updated_at from projection_checkpoints where projection = any($1)',
    [names],
  );
  const letters = await client.query<{ projection: string; open: string }>(
    'select projection, count(*) as open from dead_letters where discarded_at is null and projection = any($1) group by projection',
    [names],
  );
  const locks = await heldLocks(
    client,
    names.flatMap((name) => [projectionLock(subjects, name), rebuildLock(subjects, name)]),
  );
  const checkpoint = new Map(checkpoints.rows.map((row) => [row.projection, row]));
  const open = new Map(letters.rows.map((row) => [row.projection, Number(row.open)]));
  return names.map((name) => {
    const row = checkpoint.get(name);
    return {
      name,
      position: Number(row?.position ?? 0),
      deadLetters: open.get(name) ?? 0,
      updatedAt: row?.updated_at ? row.updated_at.toISOString() : null,
      runner: locks.has(projectionLock(subjects, name)),
      rebuilding: locks.has(rebuildLock(subjects, name)),
    };
  });
}

/** The saga as the write database knows it: its stored position (null before it first ran) and whether a replica runs it. */
export interface StoredSaga {
  position: number | null;
  runner: boolean;
}

/**
 * The outbox's backlog (committed events not yet published: the partial index
 * `outbox_unpublished` serves the count) and whether a relay leads; the saga's stored position
 * and whether a write-service replica runs it.
 */
export async function readWriteSide(client: pg.Client, subjects: Subjects): Promise<{ outbox: OutboxState; saga: StoredSaga }> {
  const backlog = await client.query<{ unpublished: string; oldest: Date | null }>(
    'select count(*) as unpublished, min(created_at) as oldest from outbox where published_at is null',
  );
  const saga = await client.query<{ position: string }>('select position from saga_checkpoints where saga = $1', [ORDER_SAGA]);
  const locks = await heldLocks(client, [outboxRelayLock(subjects), orderSagaLock(subjects)]);
  const row = backlog.rows[0];
  const position = saga.rows[0]?.position;
  return {
    outbox: {
      unpublished: Number(row?.unpublished ?? 0),
      oldestAt: row?.oldest ? row.oldest.toISOString() : null,
      relay: locks.has(outboxRelayLock(subjects)),
    },
    saga: { position: position === undefined ? null : Number(position), runner: locks.has(orderSagaLock(subjects)) },
  };
}
