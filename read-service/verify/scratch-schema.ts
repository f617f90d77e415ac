import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { type Orm, quoteIdent } from '../../platform/postgres/index.js';
import { APPLIED_VERSIONS_TABLE } from '../read-models/row-sql.js';
import { inTransaction } from '../projection-engine/transaction.js';
import type { ReadModel } from '../read-models/read-model.js';

/** Rows of one table that only the live side or only the expected side holds (at most `sample` each). */
export interface TableDifference {
  table: string;
  onlyLive: Record<string, unknown>[];
  onlyExpected: Record<string, unknown>[];
}

/** A dead letter as the snapshot saw it. */
export interface DeadLetterRef {
  id: number;
  projection: string;
  streamSeq: number;
  eventId: string | null;
  eventType: string | null;
  tenant: string | null;
  error: string;
  discarded: boolean;
}

/** What the live side held at one instant: checkpoints and dead letters (the tables are copied beside). */
export interface LiveSnapshot {
  positions: Record<string, number>;
  deadLetters: DeadLetterRef[];
}

/**
 * A schema of its own (`verify_<random>`) holding, for every projection table, an empty copy to
 * rebuild the expected rows into and a `live_` copy of the live rows. Expected rows are written
 * with only this schema on the search path, so that nothing run there can touch a live table
 * (decision 14).
 */
export class ScratchSchema {
  private constructor(
    private readonly client: pg.Client,
    readonly name: string,
    readonly tables: readonly string[],
  ) {}

  /** Creates the schema with empty copies of the projections' tables that exist (and the shared per-source guard table). */
  static async create(client: pg.Client, projections: readonly ReadModel[]): Promise<ScratchSchema> {
    const existing = new Set(
      (
        await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'")
      ).rows.map((r) => r.table_name),
    );
    const tables = [...new Set([...projections.flatMap((p) => p.tables), APPLIED_VERSIONS_TABLE])].filter((t) => existing.has(t));
    const name = `verify_${randomBytes(6).toString('hex')}`;
    await client.query(`create schema ${name}`);
    const scratch = new ScratchSchema(client, name, tables);
    try {
      for (const table of tables)
        await client.query(`create table ${name}.${quoteIdent(table)} (like public.${quoteIdent(table)} including all)`);
    } catch (error) {
      await scratch.drop();
      throw error;
    }
    return scratch;
  }

  /**
   * Copies the live tables, the checkpoints and the dead letters in one repeatable-read snapshot,
   * so that they agree with each other while the projections keep running.
   */
  async snapshotLive(): Promise<LiveSnapshot> {
    await this.client.query('begin isolation level repeatable read');
    try {
      const positions = Object.fromEntries(
        (
          await this.client.query<{ projection: string; position: string }>('select projection, position from projection_checkpoints')
        ).rows.map((r) => [r.projection, Number(r.position)]),
      );
      const letters = await this.client.query<{
        id: string;
        projection: string;
        stream_seq: string;
        event_id: string | null;
        event_type: string | null;
        tenant: string | null;
        error: string;
        discarded: boolean;
      }>(
        `select id, projection, stream_seq, event_id, event_type, tenant, error, discarded_at is not null as discarded
           from dead_letters order by projection, stream_seq`,
      );
      for (const table of this.tables)
        await this.client.query(`create table ${this.name}.${quoteIdent(`live_${table}`)} as select * from public.${quoteIdent(table)}`);
      await this.client.query('commit');
      const deadLetters = letters.rows.map((r) => ({
        id: Number(r.id),
        projection: r.projection,
        streamSeq: Number(r.stream_seq),
        eventId: r.event_id,
        eventType: r.event_type,
        tenant: r.tenant,
        error: r.error,
        discarded: r.discarded,
      }));
      return { positions, deadLetters };
    } catch (error) {
      await this.client.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  /** Runs `work` in a transaction whose search path is only this schema. */
  inScratch<T>(orm: Orm, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return inTransaction(orm, work, this.name);
  }

  /** The tables whose expected rows differ from the live copy, with up to `sample` rows each way. */
  async compare(sample: number): Promise<TableDifference[]> {
    const differences: TableDifference[] = [];
    for (const table of this.tables) {
      const expected = `${this.name}.${quoteIdent(table)}`;
      const live = `${this.name}.${quoteIdent(`live_${table}`)}`;
      const onlyLive = (
        await this.client.query<Record<string, unknown>>(`select * from ${live} except all select * from ${expected} limit ${sample}`)
      ).rows;
      const onlyExpected = (
        await this.client.query<Record<string, unknown>>(`select * from ${expected} except all select * from ${live} limit ${sample}`)
      ).rows;
      if (onlyLive.length > 0 || onlyExpected.length > 0) differences.push({ table, onlyLive, onlyExpected });
    }
    return differences;
  }

  async drop(): Promise<void> {
    await this.client.query(`drop schema if exists ${this.name} cascade`);
  }
}
