import type { Orm } from '../../platform/postgres/index.js';

/** Committed events the relay has not published yet: the outbox rows without `published_at` (counted on the relay's partial index). */
export function outboxBacklog(orm: Orm): () => Promise<number> {
  return async () => {
    const rows = await orm.em.fork().execute<{ backlog: string }[]>('select count(*) as backlog from outbox where published_at is null');
    return Number(rows[0]?.backlog ?? 0);
  };
}
