import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { commerceMix, publishMix } from '../../bench/harness/rebuild.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { productQuery, productsQuery } from '../../read-service/queries/product-queries.js';
import { type RebuildError, RebuildErrorCode } from '../../read-service/rebuild/rebuild-error.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { CheckpointNotice } from '../../schema/views/view-change.js';
import { review } from '../support/commerce-events.js';
import { created, productEnvelope, publishEvents, restocked } from '../support/events.js';
import { counting, rebuildSystem } from '../support/rebuild-system.js';
import { replayStreamNamespace } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

describe('projection rebuild', () => {
  const system = rebuildSystem();
  const { config, subjects, tenant, live, sql, rebuild, ask, settled, lastSeq, oid, shapes } = system;
  let nc: NatsConnection;
  let js: JetStreamClient;
  before(() => ({ nc, js } = system));

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
});
