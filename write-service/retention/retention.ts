import type pg from 'pg';
import { runAsLeader, sleep, type LeaderSession } from '../../platform/postgres/index.js';
import type { Logger } from '../../platform/index.js';

export interface RetentionOptions {
  databaseUrl: string;
  /** Names the leader lock (one replica prunes at a time). */
  lockPrefix: string;
  logger: Logger;
  /** How long idempotency records and published outbox rows are kept. */
  retentionMs: number;
  /** How often it prunes (default every 10 minutes). */
  everyMs?: number;
  /** Rows deleted per statement, so that no statement holds locks or bloats the WAL for long. */
  batchSize?: number;
}

export interface Pruned {
  idempotencyKeys: number;
  outboxRows: number;
}

/**
 * Keeps the write database from growing without end beside the event store itself: idempotency
 * records and published outbox rows older than the retention are deleted, in batches, by one
 * replica at a time. Within the retention a repeated key answers its first result with its
 * consistency token (G6); past it a repeat is a new request. An outbox row goes only once
 * published, so nothing unpublished is lost (G1); a command that must answer the token of an
 * event whose row is gone answers one that every read model has long passed (PublishWaiter).
 */
export function startRetention(options: RetentionOptions): { stop(): Promise<void> } {
  return runAsLeader({
    databaseUrl: options.databaseUrl,
    lockName: `${options.lockPrefix}.retention`,
    logger: options.logger,
    lead: async (session: LeaderSession, signal: AbortSignal) => {
      let lost = false;
      void session.lost.then(() => {
        lost = true;
      });
      while (!signal.aborted && !lost) {
        const pruned = await prune(session.client, options.retentionMs, options.batchSize);
        if (pruned.idempotencyKeys + pruned.outboxRows > 0)
          options.logger.info({ ...pruned, retentionMs: options.retentionMs }, 'pruned past the retention');
        await sleep(options.everyMs ?? 600_000, signal);
      }
    },
  });
}

/** Deletes what the retention no longer keeps, a batch per statement, until none is left. */
export async function prune(client: pg.Client, retentionMs: number, batchSize = 5_000): Promise<Pruned> {
  const cutoff = new Date(Date.now() - retentionMs);
  const pruned: Pruned = { idempotencyKeys: 0, outboxRows: 0 };
  for (;;) {
    const { rowCount } = await client.query(
      `delete from idempotency_keys where (tenant, key) in (
         select tenant, key from idempotency_keys where created_at < $1 order by created_at limit $2)`,
      [cutoff, batchSize],
    );
    pruned.idempotencyKeys += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) break;
  }
  // Outbox ids follow time closely enough: walk them in order, delete what was published before
  // the cutoff, keep anything unpublished, and stop at the first row created after the cutoff.
  for (let after = 0; ;) {
    const rows = (
      await client.query<{ id: string; published_before: boolean; recent: boolean }>(
        `select id, published_at < $2 as published_before, created_at >= $2 as recent from outbox where id > $1 order by id limit $3`,
        [after, cutoff, batchSize],
      )
    ).rows;
    const old = rows.filter((row) => row.published_before).map((row) => row.id);
    if (old.length > 0) pruned.outboxRows += (await client.query('delete from outbox where id = any($1::bigint[])', [old])).rowCount ?? 0;
    if (rows.length < batchSize || rows.some((row) => row.recent)) break;
    after = Number(rows.at(-1)!.id);
  }
  return pruned;
}
