import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pg from 'pg';
import type { Orm } from '../../platform/postgres/index.js';
import { type Logger, encodeJson, type Subjects } from '../../platform/index.js';
import type { CheckpointNotice } from '../../schema/index.js';
import { APPLIED_VERSIONS_TABLE } from '../read-models/row-sql.js';
import type { ReadModel } from '../read-models/read-model.js';
import { BuildSchema } from './build-schema.js';
import { RebuildError } from './rebuild-error.js';
import { Replay } from './replay.js';
import { StreamReader } from './stream-reader.js';
import { switchOver, type DeadLetterSettlement } from './switch-over.js';

export interface RebuildOptions {
  orm: Orm;
  databaseUrl: string;
  /** For the stream, and to announce the switch (a reset checkpoint notice per projection). */
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  /** One projection, or several rebuilt by one replay and switched in one transaction. */
  projections: readonly ReadModel[];
  logger?: Logger;
  /** Stream messages per batch (default 5000). */
  batchSize?: number;
  /** Switch once the build is this many messages or fewer behind every live checkpoint (default 2000). */
  maxTail?: number;
  /** How long the switch waits for a lock (a live batch in flight, running queries) before trying again (default 5000 ms). */
  lockTimeoutMs?: number;
  /** Attempts at the switch (default 5). */
  switchAttempts?: number;
  /** Switch even when events the live tables applied fail in the rebuild, recording them as dead letters (default: refuse). */
  acceptFailures?: boolean;
  /** Keep the old tables in the archive schema instead of dropping them (default false). */
  keepArchive?: boolean;
  /** Test hook: runs before each switch attempt, once the build tables are close to the live checkpoints. */
  beforeSwitch?: (state: { schema: string; positions: ReadonlyMap<string, number> }) => Promise<void> | void;
}

export interface ProjectionRebuild {
  name: string;
  /** The checkpoint at which the new tables replaced the old ones. */
  position: number;
  deadLetters: DeadLetterSettlement;
}

export interface RebuildReport {
  projections: ProjectionRebuild[];
  /** Stream messages replayed (each once, however many projections read it). */
  eventsReplayed: number;
  /** Of which replayed during the switch, while the live runners waited. */
  tailEvents: number;
  seconds: number;
  eventsPerSecond: number;
  switchAttempts: number;
  /** The schema holding the old tables, when kept. */
  archive?: string;
}

/** The advisory lock (read database) a rebuild holds on each projection it rebuilds; `npm run status` looks for it. */
export function rebuildLock(subjects: Subjects, projection: string): string {
  return `${subjects.stream}.rebuild.${projection}`;
}

/** Lock waits and deadlocks: the switch rolled back, nothing changed; catch up and try again. */
const RETRYABLE = new Set(['55P03', '40P01', '40001']);
const CATCH_UP_ROUNDS = 10;

/**
 * Rebuilds projections blue/green (DESIGN.md §5, read path 5): fresh copies of their tables in a
 * schema of their own are filled by replaying the event stream from its start with the
 * projections' own code, while the live runners keep applying new events to the live tables and
 * queries keep reading them; then, in one transaction, the tail up to the live checkpoints is
 * replayed and the copies take the live tables' place (see switchOver). Each event affects the
 * new tables exactly once (G3): the replay stops at the checkpoint P it read under lock, and the
 * live runners continue after P. Anything that fails before the switch leaves the live tables as
 * they were. After the switch, each projection's checkpoint is announced with `reset`.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildReport> {
  const started = performance.now();
  const { projections, subjects, logger } = options;
  const names = [...new Set(projections.map((p) => p.name))].sort();
  const tables = [...new Set(projections.flatMap((p) => p.tables))].filter((t) => t !== APPLIED_VERSIONS_TABLE);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const types = new Set(projections.flatMap((p) => [...p.eventTypes]));
  const reader = new StreamReader(options.nc, options.js, subjects, { wanted: (type) => types.has(type), ...(logger ? { logger } : {}) });
  try {
    for (const name of names) {
      const lock = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
        rebuildLock(subjects, name),
      ]);
      if (!lock.rows[0]?.locked) throw RebuildError.alreadyRunning(name);
    }
    const stream = await (await options.js.jetstreamManager()).streams.info(subjects.stream);
    if (stream.state.first_seq > 1) throw RebuildError.streamTruncated(subjects.stream, stream.state.first_seq);

    const build = await BuildSchema.create(client, [...tables, APPLIED_VERSIONS_TABLE]);
    let archive: string | undefined;
    try {
      const replay = new Replay({ orm: options.orm, schema: build.name, projections, reader, batchSize: options.batchSize ?? 5000 });
      logger?.info({ projections: names, schema: build.name }, 'rebuild: replaying');
      const phase = (what: string, since: number) =>
        logger?.info({ seconds: (performance.now() - since) / 1000, replayed: replay.messagesRead }, `rebuild: ${what}`);
      let since = performance.now();
      await replay.until(await checkpoints(client, names));
      phase('bulk replayed', since);
      since = performance.now();
      await build.finish();
      phase('indexes built', since);
      const attempts = options.switchAttempts ?? 5;
      for (let attempt = 1; ; attempt += 1) {
        await catchUp(client, replay, names, options.maxTail ?? 2000);
        await options.beforeSwitch?.({ schema: build.name, positions: replay.positions });
        try {
          const outcome = await switchOver({
            client,
            build,
            replay,
            names,
            tables,
            lockTimeoutMs: options.lockTimeoutMs ?? 5000,
            acceptFailures: options.acceptFailures ?? false,
            payload: (seq) => reader.payload(seq),
          });
          archive = outcome.archive;
          // The rows changed unannounced: whoever keeps views from the notices (the gateway's
          // cache) must start over, as after a new projection leader.
          for (const name of names) {
            options.nc.publish(
              subjects.checkpoint(name),
              encodeJson({ projection: name, position: outcome.positions.get(name)!, reset: true } satisfies CheckpointNotice),
            );
          }
          await options.nc.flush();
          const seconds = (performance.now() - started) / 1000;
          const report: RebuildReport = {
            projections: names.map((name) => ({
              name,
              position: outcome.positions.get(name)!,
              deadLetters: outcome.deadLetters.get(name)!,
            })),
            eventsReplayed: replay.messagesRead,
            tailEvents: outcome.tail,
            seconds,
            eventsPerSecond: Math.round(replay.messagesRead / seconds),
            switchAttempts: attempt,
            ...(options.keepArchive ? { archive } : {}),
          };
          logger?.info(
            { ...report, projections: report.projections.map((p) => ({ name: p.name, position: p.position })) },
            'rebuild: switched',
          );
          return report;
        } catch (error) {
          if (!RETRYABLE.has((error as { code?: string }).code ?? '') || attempt >= attempts) throw error;
          logger?.warn({ err: error, attempt }, 'rebuild: switch attempt failed; catching up and trying again');
        }
      }
    } finally {
      await build
        .drop()
        .catch((error: unknown) => logger?.warn({ err: error, schema: build.name }, 'rebuild: could not drop the build schema'));
      if (archive && !options.keepArchive) {
        await client
          .query(`drop schema if exists ${archive} cascade`)
          .catch((error: unknown) => logger?.warn({ err: error, schema: archive }, 'rebuild: could not drop the archived tables'));
      }
    }
  } finally {
    await reader.close();
    await client.end(); // also releases the advisory locks
  }
}

/** Replays towards the live checkpoints until every projection is within `maxTail` of its own (a few rounds at most). */
async function catchUp(client: pg.Client, replay: Replay, names: readonly string[], maxTail: number): Promise<void> {
  for (let round = 0; round < CATCH_UP_ROUNDS; round += 1) {
    const live = await checkpoints(client, names);
    if (names.every((name) => (live.get(name) ?? 0) - replay.positions.get(name)! <= maxTail)) return;
    await replay.until(live);
  }
}

async function checkpoints(client: pg.Client, names: readonly string[]): Promise<Map<string, number>> {
  const rows = await client.query<{ projection: string; position: string }>(
    'select projection, position from projection_checkpoints where projection = any($1)',
    [names],
  );
  const positions = new Map(names.map((name) => [name, 0]));
  for (const row of rows.rows) positions.set(row.projection, Number(row.position));
  return positions;
}
