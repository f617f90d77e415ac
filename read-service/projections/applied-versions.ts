import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';

/**
 * The guard of a multi-stream projection (DESIGN.md §5): the last version it applied per source
 * aggregate, written in the batch's transaction. A duplicate that reaches the stream after the
 * dedupe window (new sequence, same aggregate version) is refused, so it changes nothing twice
 * (G3). Relies on each aggregate's events arriving in version order (G2).
 *
 * Returns true, and records the version, when the event is above the last applied for its
 * aggregate; false when it was already applied.
 */
export async function claim(tx: EntityManager, projection: string, event: EventEnvelope): Promise<boolean> {
  const rows = await tx.execute<{ version: number }[]>(
    `insert into projection_applied_versions as applied (projection, tenant, stream_type, stream_id, version)
     values (?, ?, ?, ?, ?)
     on conflict (projection, tenant, stream_type, stream_id)
       do update set version = excluded.version where applied.version < excluded.version
     returning version`,
    [projection, event.tenant, event.aggregateType, event.aggregateId, event.version],
  );
  return rows.length > 0;
}
