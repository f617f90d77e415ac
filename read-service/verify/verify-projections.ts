import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Orm } from '../../platform/database.js';
import type { Subjects } from '../../platform/subjects.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { upcast } from '../../schema/events/upcasters.js';
import type { Projection } from '../projections/projection.js';

/** Tables that projections share (per-source version guards) besides their own. */
const SHARED_TABLES = ['projection_applied_versions'];

export interface TableDifference {
  table: string;
  /** Rows in the live table and not in the replay, and the other way round (at most `sample`). */
  onlyLive: Record<string, unknown>[];
  onlyReplay: Record<string, unknown>[];
}

export interface VerifyReport {
  positions: Record<string, number>;
  eventsReplayed: number;
  differences: TableDifference[];
}

/**
 * Replays the event stream into scratch copies of every projection's tables (a schema of its
 * own, search_path pointing only there, so a replay can never touch a live table), each up to
 * the projection's live checkpoint and skipping its dead letters, then compares them with a
 * consistent snapshot of the live tables, row by row.
 */
export async function verifyProjections(options: { orm: Orm; databaseUrl: string; js: JetStreamClient; subjects: Subjects; projections: readonly Projection[]; sample?: number }): Promise<VerifyReport> {
  const { projections } = options;
  const scratch = `verify_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  try {
    const existing = new Set((await admin.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'")).rows.map((r) => r.table_name));
    const tables = [...new Set([...projections.flatMap((p) => p.tables), ...SHARED_TABLES])].filter((t) => existing.has(t));
    await admin.query(`create schema ${scratch}`);
    for (const table of tables) await admin.query(`create table ${scratch}.${table} (like public.${table} including all)`);

    // One snapshot: the checkpoints, the dead letters and copies of the live tables agree.
    await admin.query('begin isolation level repeatable read');
    const positions = Object.fromEntries((await admin.query<{ projection: string; position: string }>('select projection, position from projection_checkpoints')).rows.map((r) => [r.projection, Number(r.position)]));
    const dead = new Set((await admin.query<{ projection: string; stream_seq: string }>('select projection, stream_seq from dead_letters')).rows.map((r) => `${r.projection}:${r.stream_seq}`));
    for (const table of tables) await admin.query(`create table ${scratch}.live_${table} as select * from public.${table}`);
    await admin.query('commit');

    const until = Math.max(0, ...projections.map((p) => positions[p.name] ?? 0));
    const eventsReplayed = until === 0 ? 0 : await replay(options, scratch, until, positions, dead);

    const sample = options.sample ?? 20;
    const differences: TableDifference[] = [];
    for (const table of tables) {
      const onlyLive = (await admin.query(`select * from ${scratch}.live_${table} except all select * from ${scratch}.${table} limit ${sample}`)).rows;
      const onlyReplay = (await admin.query(`select * from ${scratch}.${table} except all select * from ${scratch}.live_${table} limit ${sample}`)).rows;
      if (onlyLive.length > 0 || onlyReplay.length > 0) differences.push({ table, onlyLive, onlyReplay });
    }
    return { positions, eventsReplayed, differences };
  } finally {
    await admin.query('rollback').catch(() => undefined);
    await admin.query(`drop schema if exists ${scratch} cascade`).catch(() => undefined);
    await admin.end();
  }
}

async function replay(
  options: { orm: Orm; js: JetStreamClient; subjects: Subjects; projections: readonly Projection[] },
  scratch: string, until: number, positions: Record<string, number>, dead: Set<string>,
): Promise<number> {
  const consumer = await options.js.consumers.get(options.subjects.stream, { filter_subjects: options.subjects.eventsWildcard });
  const messages = await consumer.consume({ max_messages: 1000 });
  let batch: JsMsg[] = [];
  let replayed = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    await options.orm.em.fork().transactional(async (tx) => {
      const em = tx as EntityManager;
      await em.execute(`set local search_path to ${scratch}`, [], 'run');
      for (const msg of current) {
        let event: EventEnvelope;
        try {
          event = upcast(msg.json<EventEnvelope>());
        } catch {
          continue; // not an event: the live projection dead-lettered it too
        }
        for (const projection of options.projections) {
          if (msg.seq > (positions[projection.name] ?? 0) || dead.has(`${projection.name}:${msg.seq}`)) continue;
          await projection.apply(event, em);
        }
      }
    });
    replayed += current.length;
  };
  for await (const msg of messages) {
    if (msg.seq <= until) batch.push(msg);
    if (batch.length >= 500) await flush();
    if (msg.seq >= until) break;
  }
  await flush();
  messages.stop();
  return replayed;
}
