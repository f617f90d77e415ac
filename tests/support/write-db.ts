import pg from 'pg';
import type { Config } from '../../platform/config.js';

/** Counts events in the write database (all tenants) — to prove that a refused command changed nothing. */
export async function countEvents(config: Config, where = 'true', params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: config.writeDatabaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(`select count(*) from events where ${where}`, params);
    return Number(result.rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}
