import type pg from 'pg';

/** The highest checkpoint of any projection (a stream sequence it believes applied); 0 when there is none yet. */
export async function highestCheckpoint(client: pg.Client): Promise<number> {
  const table = await client.query<{ oid: string | null }>("select to_regclass('projection_checkpoints')::text as oid");
  if (!table.rows[0]?.oid) return 0;
  const result = await client.query<{ position: string | null }>('select max(position) as position from projection_checkpoints');
  return Number(result.rows[0]?.position ?? 0);
}
