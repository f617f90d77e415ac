import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from '../../platform/postgres/index.js';
import { RebuildError } from './rebuild-error.js';
import { shapeDifferences, tableShape, type TableShape } from './table-shape.js';

const LIVE = 'public';

/**
 * The fresh copies of some live tables, in a schema of their own (`rebuild_<random>`): same
 * columns, defaults, generated columns, constraints, grants and index names as the live ones, so
 * that moving them into the live schema leaves nothing behind. Indexes that back no constraint
 * are built once the bulk of the replay is in (cheaper than keeping them up row by row);
 * serial columns get sequences of their own (the live ones belong to the live tables).
 */
export class BuildSchema {
  private constructor(
    private readonly client: pg.Client,
    readonly name: string,
    readonly tables: readonly string[],
    private readonly live: ReadonlyMap<string, TableShape>,
    private readonly deferredIndexes: readonly string[],
  ) {}

  static async create(client: pg.Client, tables: readonly string[]): Promise<BuildSchema> {
    const name = `rebuild_${randomBytes(5).toString('hex')}`;
    const live = new Map<string, TableShape>();
    for (const table of tables) {
      const found = await client.query<{ oid: string | null }>('select to_regclass($1) as oid', [`${LIVE}.${table}`]);
      if (found.rows[0]?.oid === null) throw RebuildError.unsupported(table, 'no live table');
      live.set(table, await tableShape(client, LIVE, table));
    }
    await client.query(`create schema ${name}`);
    const build = new BuildSchema(client, name, tables, live, []);
    const deferred: string[] = [];
    try {
      for (const table of tables) deferred.push(...(await build.copyTable(table)));
      const schema = new BuildSchema(client, name, tables, live, deferred);
      // Before any replay: fail at once on what a copy cannot carry (triggers, views, ...).
      const differences = await schema.differences({ ignoreDeferred: true });
      if (differences.length > 0) throw RebuildError.unsupported(tables.join(', '), `what differs in its copy: ${differences.join('; ')}`);
      return schema;
    } catch (error) {
      await build.drop();
      throw error;
    }
  }

  /** Builds the deferred indexes and gathers planner statistics: run once the bulk is in. */
  async finish(): Promise<void> {
    for (const definition of this.deferredIndexes) await this.client.query(definition);
    for (const table of this.tables) await this.client.query(`analyze ${this.name}.${quoteIdent(table)}`);
  }

  /** How the copies differ from the live tables (empty: they can be swapped in). */
  async differences(options: { ignoreDeferred?: boolean } = {}): Promise<string[]> {
    const differences: string[] = [];
    for (const table of this.tables) {
      const live = this.live.get(table)!;
      const expected = await tableShape(this.client, LIVE, table);
      differences.push(...shapeDifferences(table, live, expected).map((d) => `live ${d}`));
      const copy = await tableShape(this.client, this.name, table);
      const wanted = options.ignoreDeferred
        ? { ...expected, indexes: expected.indexes.filter((line) => copy.indexes.includes(line)) }
        : expected;
      differences.push(...shapeDifferences(table, wanted, copy));
    }
    return differences;
  }

  async drop(): Promise<void> {
    await this.client.query(`drop schema if exists ${this.name} cascade`);
  }

  /** Creates the copy of one table; returns the statements of its deferred indexes. */
  private async copyTable(table: string): Promise<string[]> {
    const live = `${LIVE}.${quoteIdent(table)}`;
    const copy = `${this.name}.${quoteIdent(table)}`;
    // Columns, defaults, generated columns, identity, check constraints, comments, statistics,
    // storage; indexes apart, so that they keep their names.
    await this.client.query(`create table ${copy} (like ${live} including all excluding indexes)`);
    const constraints = await this.client.query<{ name: string; definition: string; index: string | null }>(
      `select conname as name, pg_get_constraintdef(oid) as definition, conindid::regclass::text as index
         from pg_constraint where conrelid = $1::regclass and contype in ('p', 'u', 'x') order by conname`,
      [live],
    );
    const foreign = await this.client.query('select 1 from pg_constraint where conrelid = $1::regclass and contype in ($2, $3)', [
      live,
      'f',
      't',
    ]);
    if ((foreign.rowCount ?? 0) > 0) throw RebuildError.unsupported(table, 'foreign keys or constraint triggers');
    for (const constraint of constraints.rows) {
      await this.client.query(`alter table ${copy} add constraint ${quoteIdent(constraint.name)} ${constraint.definition}`);
    }
    await this.ownSequences(live, copy);
    await this.copyGrants(live, copy);
    const indexes = await this.client.query<{ definition: string }>(
      `select pg_get_indexdef(i.indexrelid) as definition from pg_index i
        where i.indrelid = $1::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = i.indrelid)
        order by i.indexrelid`,
      [live],
    );
    return indexes.rows.map(({ definition }) => {
      const retargeted = definition.replace(` ON ${live} `, ` ON ${copy} `).replace(` ON ${LIVE}.${table} `, ` ON ${copy} `);
      if (retargeted === definition) throw RebuildError.unsupported(table, `an index it cannot retarget: ${definition}`);
      return retargeted;
    });
  }

  /** A serial column's default names the live table's sequence, which goes when the live table goes: give the copy its own. */
  private async ownSequences(live: string, copy: string): Promise<void> {
    const serials = await this.client.query<{ column: string; sequence: string }>(
      `select a.attname as column, pg_get_serial_sequence($1, a.attname) as sequence from pg_attribute a
        where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attidentity = ''
          and pg_get_serial_sequence($1, a.attname) is not null`,
      [live],
    );
    for (const { column, sequence } of serials.rows) {
      const own = `${this.name}.${quoteIdent(sequence.split('.').at(-1)!.replaceAll('"', ''))}`;
      await this.client.query(`create sequence ${own} as bigint`);
      await this.client.query(`alter table ${copy} alter column ${quoteIdent(column)} set default nextval('${own}'::regclass)`);
      await this.client.query(`alter sequence ${own} owned by ${copy}.${quoteIdent(column)}`);
    }
  }

  private async copyGrants(live: string, copy: string): Promise<void> {
    const grants = await this.client.query<{ grantee: string; privilege: string; grantable: boolean }>(
      `select coalesce(nullif(pg_get_userbyid(g.grantee), ''), 'public') as grantee, g.privilege_type as privilege, g.is_grantable as grantable
         from pg_class c, aclexplode(c.relacl) g where c.oid = $1::regclass and g.grantee <> c.relowner`,
      [live],
    );
    for (const { grantee, privilege, grantable } of grants.rows) {
      const to = grantee === 'public' ? 'public' : quoteIdent(grantee);
      await this.client.query(`grant ${privilege} on ${copy} to ${to}${grantable ? ' with grant option' : ''}`);
    }
  }
}
