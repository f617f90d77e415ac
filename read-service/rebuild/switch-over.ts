import type pg from 'pg';
import { quoteIdent } from '../../platform/postgres/index.js';
import { APPLIED_VERSIONS_TABLE } from '../read-models/row-sql.js';
import type { BuildSchema } from './build-schema.js';
import { RebuildError, type RebuildFailure } from './rebuild-error.js';
import type { Replay } from './replay.js';

/** What became of a projection's dead letters at the switch (stream sequences). */
export interface DeadLetterSettlement {
  /** Dead letters whose events the rebuild applied: deleted (the new tables hold those events). */
  resolved: number[];
  /** Open dead letters whose events failed again: left open. */
  carried: number[];
  /** Events that failed in the rebuild only, recorded as dead letters (acceptFailures). */
  recorded: number[];
}

export interface SwitchOutcome {
  /** Per projection: the checkpoint the new tables were switched in at. */
  positions: Map<string, number>;
  /** Stream messages replayed while the live runners waited. */
  tail: number;
  deadLetters: Map<string, DeadLetterSettlement>;
  /** Where the old tables went. */
  archive: string;
}

export interface SwitchOptions {
  client: pg.Client;
  build: BuildSchema;
  replay: Replay;
  names: readonly string[];
  /** The projections' own tables (not projection_applied_versions, whose rows are replaced). */
  tables: readonly string[];
  lockTimeoutMs: number;
  acceptFailures: boolean;
  /** The raw stream message at a sequence, for a dead letter's record. */
  payload(seq: number): Promise<string>;
}

/**
 * The switch, in one transaction on the rebuild's session:
 * 1. lock the projections' checkpoint rows: a live runner locks its row first in every batch, so
 *    its batch in flight commits first and its next one waits at its first statement;
 * 2. replay the tail (rebuilt position, checkpoint P] into the build tables;
 * 3. settle the dead letters (see settleDeadLetters), check the copies still match the live
 *    tables' shape, replace the projections' rows of projection_applied_versions;
 * 4. lock the live tables (access exclusive, in name order: queries finish first, new ones wait),
 *    move them to an archive schema and the copies into public; commit.
 * The checkpoints stay P: the live runners resume at P + 1 on the new tables (PostgreSQL resolves
 * a table name again after waiting on a lock). A lock not granted within lockTimeoutMs, or a
 * deadlock, aborts the attempt with nothing switched: the caller catches up and tries again.
 */
export async function switchOver(options: SwitchOptions): Promise<SwitchOutcome> {
  const { client, build, replay, names } = options;
  const archive = `${build.name}_old`;
  await client.query('begin');
  try {
    await client.query(`set local lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`);
    await client.query('insert into projection_checkpoints (projection, position) select unnest($1::text[]), 0 on conflict do nothing', [
      names,
    ]);
    const rows = await client.query<{ projection: string; position: string }>(
      'select projection, position from projection_checkpoints where projection = any($1) order by projection for update',
      [names],
    );
    const positions = new Map(rows.rows.map((row) => [row.projection, Number(row.position)]));
    for (const name of names) {
      if (positions.get(name)! < replay.positions.get(name)!)
        throw RebuildError.checkpointMovedBack(name, positions.get(name)!, replay.positions.get(name)!);
    }
    const tail = await replay.until(positions);
    const deadLetters = await settleDeadLetters(client, replay.failures, positions, options);
    const differences = await build.differences();
    if (differences.length > 0) throw RebuildError.shapeChanged(differences);

    await client.query(`delete from public.${APPLIED_VERSIONS_TABLE} where projection = any($1)`, [names]);
    await client.query(
      `insert into public.${APPLIED_VERSIONS_TABLE} select * from ${build.name}.${APPLIED_VERSIONS_TABLE} where projection = any($1)`,
      [names],
    );
    await client.query(`create schema ${archive}`);
    const tables = [...options.tables].sort();
    await client.query(`lock table ${tables.map((table) => `public.${quoteIdent(table)}`).join(', ')} in access exclusive mode`);
    for (const table of tables) {
      await client.query(`alter table public.${quoteIdent(table)} set schema ${archive}`);
      await client.query(`alter table ${build.name}.${quoteIdent(table)} set schema public`);
    }
    await client.query('commit');
    return { positions, tail, deadLetters, archive };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * A rebuild is typically run after fixing a bug, so it applies every event, dead-lettered or not.
 * A dead letter whose event now applies is resolved: deleted with the switch, since a dead letter
 * says "this event is missing from the tables" (verify skips them) and the new tables hold it. An
 * event that fails again is carried: its dead letter stays, and the new tables lack it exactly as
 * the old ones did. An event that fails in the rebuild but that the live tables applied (no dead
 * letter) would be lost: the switch is refused (RebuildError EVENTS_FAILED, live tables
 * untouched), unless `acceptFailures`, which records it as a dead letter of the new tables.
 */
async function settleDeadLetters(
  client: pg.Client,
  failures: readonly RebuildFailure[],
  positions: ReadonlyMap<string, number>,
  { acceptFailures, payload }: Pick<SwitchOptions, 'acceptFailures' | 'payload'>,
): Promise<Map<string, DeadLetterSettlement>> {
  const names = [...positions.keys()];
  const open = await client.query<{ projection: string; stream_seq: string }>(
    'select projection, stream_seq from dead_letters where projection = any($1)',
    [names],
  );
  const key = (projection: string, seq: number | string) => `${projection}:${seq}`;
  const known = new Set(open.rows.map((row) => key(row.projection, row.stream_seq)));
  const unknown = failures.filter((failure) => !known.has(key(failure.projection, failure.streamSeq)));
  if (unknown.length > 0 && !acceptFailures) throw RebuildError.eventsFailed(unknown);

  const settlements = new Map<string, DeadLetterSettlement>();
  for (const name of names) {
    const failed = failures.filter((failure) => failure.projection === name);
    const resolved = await client.query<{ stream_seq: string }>(
      `delete from dead_letters where projection = $1 and stream_seq <= $2 and stream_seq <> all($3::bigint[]) returning stream_seq`,
      [name, positions.get(name), failed.map((failure) => failure.streamSeq)],
    );
    const recorded = unknown.filter((failure) => failure.projection === name);
    for (const failure of recorded) {
      await client.query(
        `insert into dead_letters (projection, stream_seq, event_id, event_type, tenant, payload, error, attempts)
         values ($1, $2, $3, $4, $5, $6, $7, 1)
         on conflict (projection, stream_seq) do update set error = excluded.error, attempts = dead_letters.attempts + 1`,
        [
          name,
          failure.streamSeq,
          failure.eventId ?? null,
          failure.eventType ?? null,
          failure.tenant ?? null,
          await payload(failure.streamSeq),
          failure.error,
        ],
      );
    }
    settlements.set(name, {
      resolved: resolved.rows.map((row) => Number(row.stream_seq)).sort((a, b) => a - b),
      carried: failed.filter((failure) => known.has(key(name, failure.streamSeq))).map((failure) => failure.streamSeq),
      recorded: recorded.map((failure) => failure.streamSeq),
    });
  }
  return settlements;
}
