import type { EntityManager } from '@mikro-orm/postgresql';
import type { RowChange, Source } from './read-model.js';

// SQL the read models share. Single-event writers use `claim`; set-based writers read their
// changes as a JSON record set and use CLAIMED_IN_BATCH, `returning` and `lastPerRow`.

/** The table behind `claim` (one row per read model and source aggregate). */
export const APPLIED_VERSIONS_TABLE = 'projection_applied_versions';

/**
 * The guard of a multi-stream read model (DESIGN.md §5): the last version it applied per source
 * aggregate, written in the run's transaction. A duplicate that reaches the stream after the
 * dedupe window (new sequence, same aggregate version) is refused, so it changes nothing twice
 * (G3). Relies on each aggregate's events arriving in version order (G2). True, and the version
 * recorded, when the change's version is above the last applied for its source.
 */
export async function claim(tx: EntityManager, model: string, source: Source): Promise<boolean> {
  const rows = await tx.execute<{ version: number }[]>(
    `insert into projection_applied_versions as applied (projection, tenant, stream_type, stream_id, version)
     values (?, ?, ?, ?, ?)
     on conflict (projection, tenant, stream_type, stream_id)
       do update set version = excluded.version where applied.version < excluded.version
     returning version`,
    [model, source.tenant, source.stream_type, source.stream_id, source.version],
  );
  return rows.length > 0;
}

/**
 * `claim` for a run, as common table expressions over a CTE `ev` with the columns of `Source`
 * and `ord`: `claimed` keeps what `claim` would accept change by change in `ord` order (version
 * above the stored one and above every earlier one of the run for that source), `claims` stores
 * the last of each. Its two parameters are the read model's name.
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

/** A set-based writer's refusal: it cannot vouch that the run writes what change by change would. The engine then goes event by event. */
export class Unbatchable extends Error {}

/**
 * An amount with at most two decimals, else Unbatchable: change by change, each addition to a
 * numeric(38, 2) column is rounded; with such amounts a run's sum is the same without rounding.
 */
export function money(value: string): string {
  if (!/^-?\d+(\.\d{1,2})?$/.test(value)) throw new Unbatchable(`not an amount with at most two decimals: ${value}`);
  return value;
}

/**
 * Refuses a run where a row is changed before the change that creates it, unless the row is
 * already there (change by change, such a change finds no row).
 */
export async function refuseChangeBeforeCreation(
  tx: EntityManager,
  table: string,
  creations: readonly { ord: number; tenant: string; id: string }[],
  changes: readonly { ord: number; tenant: string; id: string }[],
): Promise<void> {
  const createdAt = new Map<string, number>();
  for (const { ord, tenant, id } of creations) if (!createdAt.has(`${tenant}/${id}`)) createdAt.set(`${tenant}/${id}`, ord);
  const early = changes.filter((change) => (createdAt.get(`${change.tenant}/${change.id}`) ?? -1) > change.ord);
  if (early.length === 0) return;
  const [row] = await tx.execute<{ missing: boolean }[]>(
    `select exists (select 1 from json_to_recordset(?::json) as e(tenant text, id uuid)
       where not exists (select 1 from ${table} t where t.tenant = e.tenant and t.id = e.id)) as missing`,
    [JSON.stringify(early.map(({ tenant, id }) => ({ tenant, id })))],
  );
  if (row?.missing !== false) throw new Unbatchable(`a change of a row of ${table} precedes its creation`);
}

/** A RETURNING list: the tenant and `columns` when announcing, else the tenant alone; `alias` qualifies them. */
export function returning(columns: string, announce: boolean, alias?: string): string {
  const list = announce ? ['tenant', ...columns.split(',').map((column) => column.trim())] : ['tenant'];
  return list.map((column) => (alias && !column.includes('(') ? `${alias}.${column}` : column)).join(', ');
}

/** Each row's change once, the last one given for a row winning (a row inserted and then changed by one run). */
export function lastPerRow(changes: readonly RowChange[]): RowChange[] {
  const byRow = new Map<string, RowChange>();
  for (const change of changes) {
    const key = `${change.tenant}/${change.view}/${change.key}`;
    byRow.delete(key);
    byRow.set(key, change);
  }
  return [...byRow.values()];
}
