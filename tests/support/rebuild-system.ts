import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { readModels as projections } from '../../read-service/registry.js';
import { rebuildProjections, type RebuildOptions } from '../../read-service/rebuild/rebuild-projections.js';
import { tableShape } from '../../read-service/rebuild/table-shape.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { countingProjection, EVENT_COUNTS_TABLE } from './counting-projection.js';
import { projectionRunners } from './projection-runners.js';
import { waitFor } from './wait.js';

/** Counts how often it saw each event of every projection: not idempotent by itself, so a doubled or lost event shows. */
export const counting: ReadModel<EventEnvelope> = {
  ...countingProjection,
  eventTypes: new Set(projections.flatMap((p) => [...p.eventTypes])),
};

/** Renames into a table of its own, with a bug to fix: titles starting with "poison" fail while `bug.on`, and the event `bug.eventId` fails. */
export const bug = { on: true, eventId: '' };
export const renames: ReadModel<EventEnvelope> = {
  name: 'renames',
  tables: ['renamed'],
  eventTypes: new Set(['ProductRenamed']),
  toChanges: (event) => [event],
  async writeOne(tx, event) {
    if (event.type !== 'ProductRenamed') return []; // a runner hands it every event of a batch it reads
    const { title } = event.data as { title: string };
    if ((bug.on && title.startsWith('poison')) || event.eventId === bug.eventId) throw new Error(`cannot rename to ${title}`);
    await tx.execute('insert into renamed (event_id, title) values (?, ?)', [event.eventId, title], 'run');
    return [];
  },
};

/**
 * Every projection and `counting` running live in a namespace of their own, for the rebuild tests
 * of one file: call it inside the file's describe (see projectionRunners; the tables of the two
 * test read models above are created before the runners start). Returns the tenant the tests write
 * as and what they rebuild, wait for and inspect with; `nc` and `js` are there once the before hook
 * has run.
 */
export function rebuildSystem() {
  const tenant = 'tenant-r';
  const live = [...projections, counting];
  const runners = projectionRunners('rebuild', live, {
    poolSize: 20,
    prepare: async () => {
      await sql(EVENT_COUNTS_TABLE);
      await sql('create table renamed (event_id text primary key, title text not null)');
    },
  });
  const { config, subjects, logger, start } = runners;

  const sql = <T>(query: string, params: unknown[] = []) => (runners.orm.em.fork() as EntityManager).execute<T[]>(query, params);
  const rebuild = (which: readonly ReadModel[], extra: Partial<RebuildOptions> = {}) =>
    rebuildProjections({
      orm: runners.orm,
      databaseUrl: config.readDatabaseUrl,
      nc: runners.nc,
      js: runners.js,
      subjects,
      projections: which,
      logger,
      ...extra,
    });
  const ask = <A, R>(query: { handle(args: A, context: { tenant: string; em: EntityManager }): Promise<R> }, args: A) =>
    query.handle(args, { tenant, em: runners.orm.em.fork() });

  /** Waits until every live runner has applied (or skipped) the stream up to `seq`. */
  async function settled(seq: number, names = live.map((p) => p.name)): Promise<void> {
    await waitFor(
      async () => {
        const rows = await sql<{ position: string }>('select position from projection_checkpoints where projection in (?)', [names]);
        return rows.length === names.length && rows.every((row) => Number(row.position) >= seq);
      },
      { timeoutMs: 60_000, what: `the live projections to reach ${seq}` },
    );
  }
  const inSchema = (schema: string, work: (tx: EntityManager) => Promise<unknown>) =>
    runners.orm.em.fork().transactional(async (tx) => {
      await (tx as EntityManager).execute(`set local search_path to ${schema}`, [], 'run');
      await work(tx);
    });
  const lastSeq = async () => (await runners.jsm.streams.info(subjects.stream)).state.last_seq;
  const oid = async (table: string) => (await sql<{ oid: string }>('select ?::regclass::oid as oid', [`public.${table}`]))[0]!.oid;
  const shapes = async (tables: string[]) => {
    const client = new pg.Client({ connectionString: config.readDatabaseUrl });
    await client.connect();
    try {
      const result = [];
      for (const table of tables) result.push(await tableShape(client, 'public', table));
      return result;
    } finally {
      await client.end();
    }
  };

  return {
    config,
    subjects,
    get nc() {
      return runners.nc;
    },
    get js() {
      return runners.js;
    },
    tenant,
    live,
    start,
    sql,
    rebuild,
    ask,
    settled,
    inSchema,
    lastSeq,
    oid,
    shapes,
  };
}
