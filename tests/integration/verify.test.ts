import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatVerifyReport, isClean, type VerifyReport } from '../../read-service/verify/verify-report.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { created, restocked } from '../support/events.js';
import { Pipeline } from '../support/pipeline.js';
import { replayStreamNamespace, verifyNamespace } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

const TENANT = 'tenant-v';
const shown = (report: VerifyReport) => formatVerifyReport(report).join('\n');

/** Runs `test` against a pipeline of its own, stopped and removed afterwards. */
async function withPipeline(label: string, test: (p: Pipeline) => Promise<void>): Promise<void> {
  const pipeline = await Pipeline.start(label);
  try {
    await test(pipeline);
  } finally {
    await pipeline.stop();
  }
}

async function productRow(p: Pipeline, id: string): Promise<{ available_quantity: number; version: number } | undefined> {
  const [row] = await p.readSql<{ available_quantity: number; version: number }>(
    'select available_quantity, version from product_view where id = ?',
    [id],
  );
  return row;
}

/** The product rows of the differences: [table, live quantities, expected quantities]. */
const quantities = (report: VerifyReport) =>
  report.differences.map((d) => [d.table, d.onlyLive.map((r) => r.available_quantity), d.onlyExpected.map((r) => r.available_quantity)]);

describe('npm run verify: the read models against the event store', () => {
  it('a running system verifies clean: every read model is the event store folded, and the stream holds every published event', () =>
    withPipeline('verifyclean', async (p) => {
      for (let i = 0; i < 5; i += 1) {
        const id = randomUUID();
        await p.append(TENANT, 'Product', id, 0, [created(id, 10)]);
        await p.append(TENANT, 'Product', id, 1, [restocked(id, 2), restocked(id, 1)]);
      }
      const customer = customerRegistered(TENANT, 'north');
      await p.append(TENANT, 'Customer', customer.id, 0, [customer.event]);
      const order = orderStory(TENANT, customer.id, 'north', [line(randomUUID(), 2, '5.00', '10.00')], '10.00');
      const events = [
        order.placed('2026-03-01T10:00:00.000Z'),
        order.confirmed('2026-03-01T10:00:01.000Z'),
        order.paid('2026-03-01T10:05:00.000Z'),
      ];
      const last = (
        await p.append(
          TENANT,
          'Order',
          order.orderId,
          0,
          events.map(({ type, data }) => ({ type, data })),
        )
      ).at(-1)!.eventId;
      await p.settled(await p.published(last));

      const report = await verifyNamespace(p.config);
      assert.ok(isClean(report), shown(report));
      assert.equal(report.eventsFolded, 19);
      assert.equal(report.stream.checked, 19);
      assert.ok(
        Object.values(report.positions).every((position) => position === 19),
        JSON.stringify(report.positions),
      );
      assert.deepEqual(formatVerifyReport(report).at(-1), 'no differences');
      const setBased = await verifyNamespace(p.config, { setBased: true });
      assert.ok(isClean(setBased), shown(setBased));
    }));

  it('a publication the stream lost: a replay of the stream sees nothing wrong; verify sees the read model short of it and the event missing from the stream', () =>
    withPipeline('verifylost', async (p) => {
      await p.stopRunners();
      const id = randomUUID();
      await p.append(TENANT, 'Product', id, 0, [created(id, 5)]);
      const [lost] = await p.append(TENANT, 'Product', id, 1, [restocked(id, 3)]);
      const [later] = await p.append(TENANT, 'Product', id, 2, [restocked(id, 4)]);
      const lostSeq = await p.published(lost!.eventId);
      await p.published(later!.eventId);
      await p.jsm.streams.deleteMessage(p.subjects.stream, lostSeq); // acknowledged, then gone (JetStream acks before fsync)
      await p.startRunners();
      await p.settled();
      assert.deepEqual(await productRow(p, id), { available_quantity: 9, version: 3 }, 'v3 applied over the missing v2');

      assert.deepEqual((await replayStreamNamespace(p.config)).differences, [], 'the stream replays into what the projection made of it');
      const report = await verifyNamespace(p.config);
      assert.equal(isClean(report), false);
      assert.deepEqual(quantities(report), [['product_view', [9], [12]]], shown(report));
      assert.deepEqual(
        report.stream.missing.map((m) => [m.eventId, m.streamSeq, m.reason]),
        [[lost!.eventId, lostSeq, 'absent']],
      );
      assert.match(shown(report), /npm run republish -- --missing/);
      const setBased = await verifyNamespace(p.config, { setBased: true });
      assert.deepEqual(
        [quantities(setBased), setBased.stream.missing.length],
        [quantities(report), 1],
        'the set-based fold finds the same',
      );
    }));

  it('a publication out of version order (v3 at one sequence, v2 at the next): a replay of the stream sees nothing wrong; verify sees the dropped v2 and the order', () =>
    withPipeline('verifyorder', async (p) => {
      await p.stopRelay(); // this test publishes by hand, as a faulty relay would
      const id = randomUUID();
      const [first] = await p.append(TENANT, 'Product', id, 0, [created(id, 5)]);
      await p.mark(first!.eventId, (await p.publishByHand(first!.eventId)).seq);
      const [v2, v3] = await p.append(TENANT, 'Product', id, 1, [restocked(id, 3), restocked(id, 4)]);
      const at3 = await p.publishByHand(v3!.eventId);
      await p.mark(v3!.eventId, at3.seq);
      const at2 = await p.publishByHand(v2!.eventId);
      await p.mark(v2!.eventId, at2.seq);
      await p.settled(at2.seq);
      assert.deepEqual(await productRow(p, id), { available_quantity: 9, version: 3 }, 'the view refused v2 after v3 for good');

      assert.deepEqual((await replayStreamNamespace(p.config)).differences, [], 'the stream replays into what the projection made of it');
      const report = await verifyNamespace(p.config);
      assert.equal(isClean(report), false);
      assert.deepEqual(quantities(report), [['product_view', [9], [12]]], shown(report));
      assert.deepEqual(
        report.stream.outOfOrder.map((o) => [o.aggregate, o.version, o.streamSeq, o.afterVersion, o.afterSeq]),
        [[`${TENANT}/Product/${id}`, 2, at2.seq, 3, at3.seq]],
      );
      assert.deepEqual(report.stream.missing, []);
    }));

  it('an event applied before the relay marked it is no difference once verify waited for the mark; one the relay never publishes is reported unpublished', () =>
    withPipeline('verifymark', async (p) => {
      await p.stopRelay();
      const id = randomUUID();
      const [event] = await p.append(TENANT, 'Product', id, 0, [created(id, 1)]);
      const ack = await p.publishByHand(event!.eventId); // published, not yet marked
      await p.settled(ack.seq);

      const hasty = await verifyNamespace(p.config, { publicationWaitMs: 0 });
      assert.deepEqual(quantities(hasty), [['product_view', [1], []]], 'without the wait the fold leaves out what the projection applied');
      assert.deepEqual(
        hasty.unpublished.map((u) => u.eventId),
        [event!.eventId],
      );

      // The relay marks the row only once verify has taken its snapshot.
      const marked = (async () => {
        await waitFor(
          async () => (await p.readSql("select 1 from pg_tables where schemaname like 'verify_%' and tablename like 'live_%'")).length > 0,
          { what: 'verify to take its snapshot' },
        );
        await p.mark(event!.eventId, ack.seq);
      })();
      const report = await verifyNamespace(p.config, { publicationWaitMs: 10_000 });
      await marked;
      assert.ok(isClean(report), shown(report));

      const other = randomUUID();
      const [stuck] = await p.append(TENANT, 'Product', other, 0, [created(other, 1)]);
      const stalled = await verifyNamespace(p.config, { publicationWaitMs: 300 });
      assert.deepEqual(
        stalled.unpublished.map((u) => u.eventId),
        [stuck!.eventId],
      );
      assert.deepEqual(stalled.differences, []);
      assert.equal(isClean(stalled), false);
      assert.match(shown(stalled), /1 committed event\(s\) not published by the relay/);
    }));
});
