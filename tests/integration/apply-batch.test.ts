import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { commerceMix } from '../../bench/harness/rebuild.js';
import { applyEvent, applySetBased } from '../../read-service/projection-engine/apply-run.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { readModels as projections } from '../../read-service/registry.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { review, stock } from '../support/commerce-events.js';
import { created, productEnvelope, restocked } from '../support/events.js';
import { rebuildSystem } from '../support/rebuild-system.js';

describe('projection rebuild', () => {
  const { tenant, sql, inSchema } = rebuildSystem();

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
});
