import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { nanos } from '@nats-io/nats-core';
import pg from 'pg';
import { ensureEventStream } from '../../platform/event-stream.js';
import { encodeJson } from '../../platform/messaging.js';
import { highestCheckpoint } from '../../read-service/consistency/projection-positions.js';
import { formatVerifyReport, isClean } from '../../read-service/verify/verify-report.js';
import { publishChained, type ChainItem } from '../../write-service/outbox/chained-publish.js';
import { republish, type RepublishSelection } from '../../write-service/outbox/republish.js';
import { RepublishErrorCode, type RepublishError } from '../../write-service/outbox/republish-error.js';
import { customerRegistered, line, orderStory } from '../support/commerce-events.js';
import { created, restocked } from '../support/events.js';
import { Pipeline } from '../support/pipeline.js';
import { verifyNamespace } from '../support/verify.js';

const TENANT = 'tenant-r';
const run = promisify(execFile);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function withPipeline(label: string, test: (p: Pipeline) => Promise<void>): Promise<void> {
  const pipeline = await Pipeline.start(label);
  try {
    await test(pipeline);
  } finally {
    await pipeline.stop();
  }
}

/** Republishes as `npm run republish` does: the write database, the stream, and the projections' highest checkpoint. */
async function republishIn(p: Pipeline, selection: RepublishSelection) {
  const write = new pg.Client({ connectionString: p.config.writeDatabaseUrl });
  const read = new pg.Client({ connectionString: p.config.readDatabaseUrl });
  await write.connect();
  await read.connect();
  try {
    return await republish({
      client: write,
      js: p.js,
      jsm: p.jsm,
      subjects: p.subjects,
      selection,
      consumerPositions: [await highestCheckpoint(read)],
    });
  } finally {
    await write.end();
    await read.end();
  }
}

const product = async (p: Pipeline, id: string) =>
  (
    await p.readSql<{ available_quantity: number; version: number }>('select available_quantity, version from product_view where id = ?', [
      id,
    ])
  )[0];

describe('npm run republish: events from the event store back into a stream that lost them', () => {
  it('a stream recreated empty: every event is published again above every position consumers trust; the projections apply each at most once and end right; verify is clean', () =>
    withPipeline('republishall', async (p) => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await p.append(TENANT, 'Product', a, 0, [created(a, 5), restocked(a, 1)]);
      const [bCreated] = await p.append(TENANT, 'Product', b, 0, [created(b, 2)]);
      const customer = customerRegistered(TENANT, 'west');
      await p.append(TENANT, 'Customer', customer.id, 0, [customer.event]);
      const order = orderStory(TENANT, customer.id, 'west', [line(a, 2, '5.00', '10.00')], '10.00');
      const placed = [
        order.placed('2026-03-02T10:00:00.000Z'),
        order.confirmed('2026-03-02T10:00:01.000Z'),
        order.paid('2026-03-02T10:05:00.000Z'),
      ];
      const orderEvents = await p.append(
        TENANT,
        'Order',
        order.orderId,
        0,
        placed.map(({ type, data }) => ({ type, data })),
      );
      await p.settled(await p.published(orderEvents.at(-1)!.eventId));
      // Late duplicates (past the dedupe window: another Nats-Msg-Id) took sequences of their own; the projections ignored them.
      for (const eventId of [bCreated!.eventId, orderEvents[0]!.eventId, orderEvents[2]!.eventId]) {
        const row = await p.outbox(eventId);
        await p.js.publish(row.subject, encodeJson(row.payload), { msgID: `${eventId}-late` });
      }
      await p.settled();

      // Events the projections have not applied yet when the stream's store is lost.
      await p.stopRunners();
      await p.append(TENANT, 'Product', a, 2, [restocked(a, 3)]);
      await p.append(TENANT, 'Product', c, 0, [created(c, 4)]);
      const [shipped] = await p.append(TENANT, 'Order', order.orderId, 3, [
        { type: 'OrderShipped', data: { orderId: order.orderId, customerId: customer.id, shippedAt: '2026-03-03T09:00:00.000Z' } },
      ]);
      const highestMarked = await p.published(shipped!.eventId);
      await p.stopRelay();
      await p.jsm.streams.delete(p.subjects.stream);
      await ensureEventStream(p.nc, p.subjects); // what the services do when they start again

      const report = await republishIn(p, { from: 1 });
      assert.deepEqual(report, {
        selected: 10,
        leftToRelay: 0,
        published: 10,
        duplicates: 0,
        phantoms: [],
        advancedTo: highestMarked + 1,
        firstSeq: highestMarked + 1,
        lastSeq: highestMarked + 10,
      });
      await p.startRunners();
      p.startRelay();
      await p.settled();

      assert.deepEqual(
        await product(p, a),
        { available_quantity: 9, version: 3 },
        'each restock once, the one applied before the loss and the one after',
      );
      assert.deepEqual(await product(p, c), { available_quantity: 4, version: 1 }, 'an event the projection had not applied arrives');
      const [customerRow] = await p.readSql<{ orders_count: string; total_spent: string }>(
        'select orders_count, total_spent from customer_view where id = ?',
        [customer.id],
      );
      assert.deepEqual(
        customerRow,
        { orders_count: '1', total_spent: '10.00' },
        'multi-stream views count each order once (counts are bigint)',
      );
      assert.deepEqual(await p.readSql('select orders_count, revenue from regional_sales'), [{ orders_count: '1', revenue: '10.00' }]);
      assert.deepEqual(await p.readSql('select units_sold from top_products'), [{ units_sold: 2 }]);
      assert.deepEqual(await p.readSql('select status, version from order_view'), [{ status: 'SHIPPED', version: 4 }]);

      // New events after the recovery land above every checkpoint, so they are applied too.
      const [later] = await p.append(TENANT, 'Product', a, 3, [restocked(a, 10)]);
      await p.settled(await p.published(later!.eventId));
      assert.deepEqual(await product(p, a), { available_quantity: 19, version: 4 });
      const verified = await verifyNamespace(p.config);
      assert.ok(isClean(verified), formatVerifyReport(verified).join('\n'));
      assert.equal(verified.stream.checked, 11);
    }));

  it('refuses a stream that holds messages but ended below a trusted position; reports duplicates of messages the stream no longer holds', () =>
    withPipeline('republishrefuse', async (p) => {
      const id = randomUUID();
      const events = await p.append(TENANT, 'Product', id, 0, [created(id, 1), restocked(id, 1)]);
      await p.settled(await p.published(events.at(-1)!.eventId));
      await p.stopRelay();

      // Purged: the sequences go on, but JetStream's dedupe window still remembers the ids.
      await p.jsm.streams.purge(p.subjects.stream);
      const phantom = await republishIn(p, { from: 1 });
      assert.deepEqual(
        phantom.phantoms,
        events.map((e) => e.eventId),
      );
      assert.equal(phantom.published, 0);
      assert.equal((await p.outbox(events[0]!.eventId)).streamSeq, 1, 'not marked');

      // Recreated, and something published before the republish: the next sequences are ones the projections skip.
      await p.jsm.streams.delete(p.subjects.stream);
      await ensureEventStream(p.nc, p.subjects);
      await p.js.publish(p.subjects.event(TENANT, 'Product', id), encodeJson({ note: 'published too early' }));
      await assert.rejects(
        republishIn(p, { from: 1 }),
        (error: RepublishError) => error.code === RepublishErrorCode.StreamBehind && /purge the stream/.test(error.message),
      );
      assert.equal((await p.jsm.streams.info(p.subjects.stream)).state.messages, 1, 'nothing published');
    }));

  it('--missing from the command line: the event verify found missing from the stream is published again, applied, and verify is clean', () =>
    withPipeline('republishmissing', async (p) => {
      const info = await p.jsm.streams.info(p.subjects.stream);
      await p.jsm.streams.update(p.subjects.stream, { ...info.config, duplicate_window: nanos(500) }); // so that the test need not wait 2 minutes
      const [kept, lost] = [randomUUID(), randomUUID()];
      await p.stopRunners();
      await p.append(TENANT, 'Product', kept, 0, [created(kept, 1)]);
      const [event] = await p.append(TENANT, 'Product', lost, 0, [created(lost, 3)]);
      const [last] = await p.append(TENANT, 'Product', kept, 1, [restocked(kept, 1)]);
      await p.jsm.streams.deleteMessage(p.subjects.stream, await p.published(event!.eventId));
      await p.published(last!.eventId);
      await p.startRunners();
      await p.settled();
      assert.equal(await product(p, lost), undefined);
      const before = await verifyNamespace(p.config);
      assert.deepEqual(
        before.stream.missing.map((m) => m.eventId),
        [event!.eventId],
      );

      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { stdout } = await run(process.execPath, [path.join(dist, 'scripts/republish.js'), '--missing'], {
        env: { ...process.env, NAMESPACE: p.config.namespace },
      });
      assert.match(
        stdout,
        /the stream misses 1 published event\(s\)\nrepublished 1 event\(s\), 0 still in the stream \(deduplicated\), of 1 selected; stream sequences (\d+)\.\.\1/,
      );
      await p.settled();
      assert.deepEqual(await product(p, lost), { available_quantity: 3, version: 1 });
      const after = await verifyNamespace(p.config);
      assert.ok(isClean(after), formatVerifyReport(after).join('\n'));
      await assert.rejects(
        run(process.execPath, [path.join(dist, 'scripts/republish.js'), '--to', '3'], {
          env: { ...process.env, NAMESPACE: p.config.namespace },
        }),
        (error: { code: number; stderr: string }) => error.code === 2 && /usage: republish/.test(error.stderr),
      );
    }));

  it('the chain - a failed publish stops it: nothing after it is stored, even pipelined; a duplicate inside the pipeline only makes it resume one at a time', () =>
    withPipeline('republishchain', async (p) => {
      const item = (msgId: string, subject = p.subjects.event(TENANT, 'Product', msgId)): ChainItem => ({
        msgId,
        subject,
        data: encodeJson({ msgId }),
      });
      const ids = Array.from({ length: 6 }, () => randomUUID());
      const already = await p.lastSeq();

      const failed = await publishChained(
        p.js,
        [item(ids[0]!), item(ids[1]!), item(ids[2]!, 'no.stream.listens.here'), item(ids[3]!), item(ids[4]!)],
        2000,
      );
      assert.equal(failed.acked.length, 2);
      assert.equal(failed.failure?.index, 2);
      assert.equal(await p.lastSeq(), already + 2, 'the items after the failed one were refused');

      const resumed = await publishChained(p.js, [item(ids[2]!), item(ids[3]!), item(ids[1]!), item(ids[4]!), item(ids[5]!)], 2000);
      assert.equal(resumed.failure, undefined);
      assert.deepEqual(
        resumed.acked.map((ack) => [ack.seq, ack.duplicate]),
        [
          [already + 3, false],
          [already + 4, false],
          [already + 2, true],
          [already + 5, false],
          [already + 6, false],
        ],
      );
    }));
});
