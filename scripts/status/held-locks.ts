import type pg from 'pg';

/**
 * Which of these advisory locks someone holds in the client's database. The services take them as
 * `pg_try_advisory_lock(hashtext(name))`: one bigint key, which pg_locks shows split in two
 * (high half in classid, low half in objid, objsubid 1).
 */
export async function heldLocks(client: pg.Client, names: readonly string[]): Promise<Set<string>> {
  const result = await client.query<{ name: string }>(
    `select name from unnest($1::text[]) as name
      where exists (
        select 1 from pg_locks l
         where l.locktype = 'advisory' and l.granted and l.objsubid = 1
           and l.database = (select oid from pg_database where datname = current_database())
           and ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(name)::bigint)`,
    [names],
  );
  return new Set(result.rows.map((row) => row.name));
}
