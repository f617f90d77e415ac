import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { commerceMix, publishMix } from '../../bench/harness/rebuild.js';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { productQuery, productsQuery } from '../../read-service/queries/product-queries.js';
import { readModels as projections } from '../../read-service/registry.js';
import { type RebuildError, RebuildErrorCode } from '../../read-service/rebuild/rebuild-error.js';
import { rebuildProjections, type RebuildOptions } from '../../read-service/rebuild/rebuild-projections.js';
import { StreamReader } from '../../read-service/rebuild/stream-reader.js';
import { tableShape } from '../../read-service/rebuild/table-shape.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import type { CheckpointNotice, ViewChange } from '../../schema/views/view-change.js';
import { created, productEnvelope, publishEvents, restocked } from '../support/events.js';
import { review, stock } from '../support/commerce-events.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { replayStreamNamespace } from '../support/verify.js';
import { waitFor } from '../support/wait.js';
import { applyEvent, applySetBased } from '../../read-service/projection-engine/apply-run.js';

/** Counts how often it saw each event: not idempotent by itself, so a doubled or lost event shows. */
const counting: ReadModel<EventEnvelope> = {
  name: 'counting',
  tables: ['event_counts'],
  eventTypes: new Set(projections.flatMap((p) => [...p.eventTypes])),
  toChanges: (event) => [event],
  async writeOne(tx, event) {
    await tx.execute(
      'insert into event_counts (event_id, n) values (?, 1) on conflict (event_id) do update set n = event_counts.n + 1',
      [event.eventId],
      'run',
    );
    return [];
  },
};

/** Renames into a table of its own, with a bug to fix: titles starting with "poison" fail while `bug.on`, and the event `bug.eventId` fails. */
const bug = { on: true, eventId: '' };
const renames: ReadModel<EventEnvelope> = {
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

describe('projection rebuild', () => {
  let config: Config;
  let subjects: Subjects;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let runners: { stop(): Promise<void> }[] = [];
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const tenant = 'tenant-r';
  const live = [...projections, counting];

  before(async () => {
    config = testConfig(uniqueNamespace('rebuild'));
    subjects = subjectsFor(config.namespace);
    nc = await connect({ servers: config.natsUrl });
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations, poolSize: 20 });
    await sql('create table event_counts (event_id text primary key, n integer not null)');
    await sql('create table renamed (event_id text primary key, title text not null)');
    runners = live.map(start);
  });
  after(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await orm?.close();
    await nc?.close();
    if (config) await cleanupNamespace(config);
  });

  const start = (projection: ReadModel) =>
    startProjectionRunner({ model: projection, orm, databaseUrl: config.readDatabaseUrl, nc, js, jsm, subjects, logger });
  const sql = <T>(query: string, params: unknown[] = []) => (orm.em.fork() as EntityManager).execute<T[]>(query, params);
  const rebuild = (which: readonly ReadModel[], extra: Partial<RebuildOptions> = {}) =>
    rebuildProjections({ orm, databaseUrl: config.readDatabaseUrl, nc, js, subjects, projections: which, logger, ...extra });
  const ask = <A, R>(query: { handle(args: A, context: { tenant: string; em: EntityManager }): Promise<R> }, args: A) =>
    query.handle(args, { tenant, em: orm.em.fork() });

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
    orm.em.fork().transactional(async (tx) => {
      await (tx as EntityManager).execute(`set local search_path to ${schema}`, [], 'run');
      await work(tx);
    });
  const lastSeq = async () => (await jsm.streams.info(subjects.stream)).state.last_seq;
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

  it('product view - applyBatch writes what apply writes one by one: duplicates, reviews, rounding, unknown rows', async () => {
    const [id, other, ghost] = [randomUUID(), randomUUID(), randomUUID()];
    const at = (n: number) => `2026-04-0${n}T10:00:00.000Z`;
    const product = (aggregate: string, version: number, event: ProductEvent, occurredAt: string) => ({
      ...productEnvelope(tenant, aggregate, version, event),
      occurredAt,
    });
    const rename = product(
      id,
      3,
      { type: 'ProductRenamed', data: { productId: id, title: 'Steel kettle', previousTitle: 'Kettle', renamedAt: at(3) } },
      at(3),
    );
    const added = review(tenant, id, 2);
    const late = { ...added, data: { ...(added.data as object), addedAt: at(9) } };
    const first = [
      product(id, 1, created(id, 5), at(1)),
      review(tenant, id, 5),
      product(id, 2, restocked(id, 3), at(2)),
      product(id, 2, restocked(id, 3), at(2)),
      rename,
      product(other, 1, created(other, 1), at(1)),
      product(ghost, 2, restocked(ghost, 4), at(2)),
    ];
    const second = [
      rename,
      product(
        id,
        4,
        { type: 'ProductPriceChanged', data: { productId: id, price: '10.005', previousPrice: '10.00', changedAt: at(4) } },
        at(4),
      ),
      { ...stock(tenant, id, 5, 'StockReserved', 2), occurredAt: at(5) },
      late,
      late,
      review(tenant, other, 3),
      product(other, 2, { type: 'ProductDiscontinued', data: { productId: other, discontinuedAt: at(6) } }, at(6)),
      product(other, 1, created(other, 9), at(7)),
    ];
    const schemas = ['batch_one', 'batch_many'];
    for (const schema of schemas) {
      await sql(`create schema ${schema}`);
      for (const table of ['product_view', 'projection_applied_versions'])
        await sql(`create table ${schema}.${table} (like public.${table} including all)`);
    }
    try {
      await inSchema('batch_one', async (tx) => {
        for (const event of [...first, ...second]) await applyEvent(tx, productView, event);
      });
      await inSchema('batch_many', (tx) => applySetBased(tx, productView, first));
      await inSchema('batch_many', (tx) => applySetBased(tx, productView, second));
      for (const table of ['product_view', 'projection_applied_versions']) {
        const rows = `select * from batch_one.${table} except all select * from batch_many.${table}`;
        assert.deepEqual(
          await sql(`${rows} union all (select * from batch_many.${table} except all select * from batch_one.${table})`),
          [],
          table,
        );
      }
      const [row] = await sql<{ price: string; available_quantity: number; review_count: string; updated_at: string }>(
        'select * from batch_many.product_view where id = ?',
        [id],
      );
      assert.deepEqual(
        [row?.price, row?.available_quantity, row?.review_count, new Date(row!.updated_at).toISOString()],
        ['10.01', 6, '2', at(9)],
      );
      // What it cannot vouch for, it refuses (the rebuild then applies the run one by one).
      await assert.rejects(inSchema('batch_many', (tx) => applySetBased(tx, productView, [review(tenant, randomUUID(), 4)])));
      await assert.rejects(
        inSchema('batch_many', (tx) =>
          applySetBased(tx, productView, [product(ghost, 2, restocked(ghost, 1), at(2)), product(ghost, 1, created(ghost), at(1))]),
        ),
      );
    } finally {
      for (const schema of schemas) await sql(`drop schema ${schema} cascade`);
    }
  });

  it('every applyBatch writes what apply writes one by one, over a commerce history with duplicates, in runs of any length, and reports each changed row as it ends', async () => {
    const history = [...commerceMix('tenant-batch', 4000, 11)];
    const events = history.flatMap((event, i) => (i % 40 === 39 ? [event, history[i - 17]!] : [event])); // duplicates after the dedupe window
    for (const projection of projections.filter((p) => p.writeRun)) {
      const tables = [...projection.tables, 'projection_applied_versions'];
      for (const schema of ['batch_one', 'batch_many']) {
        await sql(`create schema ${schema}`);
        for (const table of tables) await sql(`create table ${schema}.${table} (like public.${table} including all)`);
      }
      try {
        // The last change announced for each row (a sales row: per region and day), one by one and in runs.
        const announced = { one: new Map<string, unknown>(), many: new Map<string, unknown>() };
        const remember = (into: Map<string, unknown>, changes: Omit<ViewChange, 'position'>[]) => {
          for (const { tenant, view, key, version, data } of changes)
            into.set(`${tenant}/${view}/${key}/${(data as { day?: string }).day ?? ''}`, { version, data });
        };
        await inSchema('batch_one', async (tx) => {
          for (const event of events) remember(announced.one, await applyEvent(tx, projection, event));
        });
        for (let i = 0; i < events.length; i += 997)
          await inSchema('batch_many', async (tx) =>
            remember(announced.many, await applySetBased(tx, projection, events.slice(i, i + 997))),
          );
        assert.deepEqual(announced.many, announced.one, `${projection.name}: rows announced`);
        for (const table of tables) {
          const rows = `(select * from batch_one.${table} except all select * from batch_many.${table})`;
          assert.deepEqual(
            await sql(`${rows} union all (select * from batch_many.${table} except all select * from batch_one.${table})`),
            [],
            `${projection.name}: ${table}`,
          );
        }
        assert.ok((await sql(`select 1 from batch_many.${projection.tables[0]} limit 1`)).length > 0, `${projection.name} wrote rows`);
      } finally {
        for (const schema of ['batch_one', 'batch_many']) await sql(`drop schema ${schema} cascade`);
      }
    }
  });

  it('stream reader - hands out every message up to the target, also past one it buffered at the end of the stream', async () => {
    const before = await lastSeq();
    const id = randomUUID();
    await publishEvents(
      js,
      subjects,
      Array.from({ length: 10 }, (_, i) => productEnvelope('tenant-reader', id, i + 1, restocked(id, 1))),
    );
    const reader = new StreamReader(nc, js, subjects);
    try {
      await reader.seek(before + 1);
      assert.equal((await reader.take(5, before + 10)).length, 5); // the other five wait in the reader's buffer
      const later = await publishEvents(
        js,
        subjects,
        Array.from({ length: 10 }, (_, i) => productEnvelope('tenant-reader', id, i + 11, restocked(id, 1))),
      );
      const rest = await reader.take(100, later);
      assert.deepEqual(
        rest.map((m) => m.seq),
        Array.from({ length: 15 }, (_, i) => before + 6 + i),
      );
      assert.deepEqual(await reader.take(100, later), []);
    } finally {
      await reader.close();
    }
  });

  it('all projections - rebuilt while events keep arriving, the switched tables equal a fresh replay and each event counts once (G3)', async () => {
    const history = commerceMix(tenant, 1_000_000, 7);
    const next = (n: number) => Array.from({ length: n }, () => history.next().value as EventEnvelope);
    await settled(await publishMix(js, subjects, next(3000)));
    const tables = [...new Set(live.flatMap((p) => p.tables)), 'projection_applied_versions'];
    const before = await shapes(tables);

    let arriving = true;
    const publisher = (async () => {
      for (let sent = 0; arriving && sent < 5000; sent += 10) {
        await publishMix(js, subjects, next(10));
        await new Promise((resolve) => setTimeout(resolve, 50)); // a steady trickle the live runners keep up with
      }
    })();
    let switchedAfter = 0;
    const report = await rebuild(live, {
      beforeSwitch: async () => {
        if (switchedAfter > 0) return;
        // The live runners move ahead of the build: these events can only reach it in the switch's tail.
        switchedAfter = await publishMix(js, subjects, next(300));
        await settled(switchedAfter);
      },
    }).finally(() => {
      arriving = false;
    });
    await publisher;

    assert.ok(report.tailEvents > 0, 'some events were replayed during the switch');
    for (const p of report.projections) {
      assert.ok(p.position >= switchedAfter, `${p.name} switched at ${p.position}, after ${switchedAfter}`);
      assert.deepEqual(p.deadLetters, { resolved: [], carried: [], recorded: [] });
    }
    await settled(await publishMix(js, subjects, next(200)));
    const verify = await replayStreamNamespace(config);
    assert.deepEqual(verify.differences, []);
    const stream = await lastSeq();
    assert.equal(Number((await sql<{ count: string }>('select count(*) from event_counts'))[0]!.count), stream);
    assert.deepEqual(await sql('select event_id, n from event_counts where n <> 1'), []);
    assert.deepEqual(await shapes(tables), before, 'columns, generated search column, indexes and their names survive the swap');
    assert.deepEqual(await sql("select nspname from pg_namespace where nspname like 'rebuild_%'"), []);
  });

  it('product view - a corrupted row is repaired; queries answer from the old tables during the rebuild and from the new ones after', async () => {
    const id = randomUUID();
    const last = await publishEvents(js, subjects, [
      productEnvelope(tenant, id, 1, created(id, 2)),
      productEnvelope(tenant, id, 2, restocked(id, 5)),
      review(tenant, id, 4),
    ]);
    await settled(last);
    await sql('update product_view set available_quantity = 999, average_rating = 1 where id = ?', [id]);
    const liveTable = await oid('product_view');

    const notices: CheckpointNotice[] = [];
    const sub = nc.subscribe(subjects.checkpoint('product_view'), {
      callback: (_error, msg) => {
        notices.push(msg.json<CheckpointNotice>());
      },
    });
    let querying = true;
    const answers: (number | undefined)[] = [];
    const reader = (async () => {
      while (querying) {
        const [one, found] = await Promise.all([
          ask(productQuery, { id }),
          ask(productsQuery, { search: 'kettle', filter: { category: 'kitchen' }, first: 100 }),
        ]);
        answers.push(one?.availableQuantity);
        assert.ok(
          found.edges.some((edge) => edge.node.id === id),
          'full-text search finds the product',
        );
      }
    })();
    const report = await rebuild([productView], {
      beforeSwitch: async ({ schema }) => {
        assert.equal((await ask(productQuery, { id }))?.availableQuantity, 999, 'the old table serves until the switch');
        const [copy] = await sql<{ available_quantity: number }>(`select available_quantity from ${schema}.product_view where id = ?`, [
          id,
        ]);
        assert.equal(copy?.available_quantity, 7);
        await assert.rejects(rebuild([productView]), (error: RebuildError) => error.code === RebuildErrorCode.AlreadyRunning);
      },
    });
    querying = false;
    await reader;
    // Whoever keeps views from the notices (the gateway's cache) is told to start over.
    await waitFor(() => notices.some((n) => n.reset === true && n.position === report.projections[0]!.position), {
      what: 'a reset checkpoint notice',
    });
    sub.unsubscribe();

    assert.equal(report.projections[0]!.name, 'product_view');
    assert.notEqual(await oid('product_view'), liveTable);
    const product = await ask(productQuery, { id });
    assert.deepEqual(
      {
        title: product?.title,
        availableQuantity: product?.availableQuantity,
        reviewCount: product?.reviewCount,
        averageRating: product?.averageRating,
      },
      { title: 'Kettle', availableQuantity: 7, reviewCount: 1, averageRating: 4 },
    );
    assert.ok(
      answers.length > 0 && answers.every((a) => a === 999 || a === 7),
      `every answer came from the old or the new table: ${JSON.stringify([...new Set(answers)])}`,
    );
    assert.deepEqual((await replayStreamNamespace(config)).differences, []);
  });

  it('a rebuild that fails before switching leaves the live tables untouched, and the next one succeeds', async () => {
    const tables = ['product_view', 'event_counts'];
    const snapshot = async () => Promise.all(tables.map(async (t) => [await oid(t), await sql(`select * from ${t} order by 1, 2`)]));
    const before = await snapshot();
    await assert.rejects(
      rebuild([productView, counting], {
        beforeSwitch: () => {
          throw new Error('crash before the switch');
        },
      }),
      /crash before the switch/,
    );
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(await sql("select nspname from pg_namespace where nspname like 'rebuild_%'"), []);
    const report = await rebuild([productView, counting]);
    assert.equal(report.projections.length, 2);
  });

  it('dead letters - an event the live runner dead-lettered is applied by a rebuild after the fix; one that still fails stays a dead letter', async () => {
    const runner = start(renames);
    try {
      const id = randomUUID();
      const rename = (version: number, title: string) =>
        productEnvelope(tenant, id, version, {
          type: 'ProductRenamed',
          data: { productId: id, title, previousTitle: 'Kettle', renamedAt: new Date().toISOString() },
        });
      const [fine, poison] = [rename(2, 'Teapot'), rename(3, 'poison pot')];
      await publishEvents(js, subjects, [productEnvelope(tenant, id, 1, created(id)), fine, poison]);
      const garbage = (await js.publish(subjects.event(tenant, 'Product', id), 'not an event', { msgID: randomUUID() })).seq;
      await settled(garbage, [renames.name]);
      const poisonSeq = Number(
        (
          await sql<{ stream_seq: string }>("select stream_seq from dead_letters where projection = 'renames' and event_id = ?", [
            poison.eventId,
          ])
        )[0]?.stream_seq,
      );
      assert.ok(poisonSeq > 0);

      bug.on = false; // the fix
      const report = await rebuild([renames]);
      assert.deepEqual(report.projections[0]!.deadLetters, { resolved: [poisonSeq], carried: [garbage], recorded: [] });
      assert.deepEqual(
        (
          await sql<{ title: string }>('select title from renamed where event_id in (?) order by title', [[fine.eventId, poison.eventId]])
        ).map((r) => r.title),
        ['Teapot', 'poison pot'],
      );
      assert.deepEqual(await sql("select stream_seq::int as seq from dead_letters where projection = 'renames'"), [{ seq: garbage }]);

      // The live runner goes on with the new table.
      const later = rename(4, 'Jug');
      await settled(await publishEvents(js, subjects, [later]), [renames.name]);
      assert.equal((await sql('select 1 from renamed where event_id = ?', [later.eventId])).length, 1);

      // An event the live table applied fails in a rebuild: refused, nothing switched ...
      bug.eventId = later.eventId;
      const table = await oid('renamed');
      await assert.rejects(
        rebuild([renames]),
        (error: RebuildError) =>
          error.code === RebuildErrorCode.EventsFailed && error.failures.map((f) => f.eventId).join() === later.eventId,
      );
      assert.equal(await oid('renamed'), table);
      assert.equal((await sql('select 1 from renamed where event_id = ?', [later.eventId])).length, 1);
      // ... unless accepted: then it is recorded as a dead letter of the new table.
      const accepted = await rebuild([renames], { acceptFailures: true });
      assert.equal(accepted.projections[0]!.deadLetters.recorded.length, 1);
      assert.deepEqual(await sql('select 1 from renamed where event_id = ?', [later.eventId]), []);
      assert.equal(
        (await sql("select 1 from dead_letters where projection = 'renames' and event_id = ? and payload like '%Jug%'", [later.eventId]))
          .length,
        1,
      );
    } finally {
      bug.on = true;
      bug.eventId = '';
      await runner.stop();
    }
  });
});
