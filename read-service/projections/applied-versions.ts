import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';

/** The table behind `claim`, shared by the multi-stream projections (one row per projection and source aggregate). */
export const APPLIED_VERSIONS_TABLE = 'projection_applied_versions';

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

/**
 * `claim` for a batch (rebuilds), as SQL common table expressions over a CTE `ev` with columns
 * ord, tenant, stream_type, stream_id and version: `claimed` keeps the events that `claim` would
 * accept one by one in `ord` order (version above the stored one and above every earlier one of
 * the batch for that source aggregate), `claims` stores the last of each. Its two parameters are
 * the projection's name.
 */
export const CLAIMED_IN_BATCH = `
  guarded as (
    select e.*, a.version as stored,
      max(e.version) over (partition by e.tenant, e.stream_type, e.stream_id order by e.ord rows between unbounded preceding and 1 preceding) as before
      from ev e left join projection_applied_versions a
        on a.projection = ? and a.tenant = e.tenant and a.stream_type = e.stream_type and a.stream_id = e.stream_id
  ),
  claimed as (select * from guarded where (stored is null or version > stored) and (before is null or version > before)),
  claims as (
    insert into projection_applied_versions as applied (projection, tenant, stream_type, stream_id, version)
    select ?, tenant, stream_type, stream_id, max(version) from claimed group by tenant, stream_type, stream_id
    on conflict (projection, tenant, stream_type, stream_id) do update set version = excluded.version where applied.version < excluded.version
  )`;
