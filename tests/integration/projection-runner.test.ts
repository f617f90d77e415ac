import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { productView } from '../../read-service/read-models/product-view.js';
import type { Config } from '../../platform/config.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { created, productEnvelope, publishEvents, restocked } from '../support/events.js';
import { countingProjection, EVENT_COUNTS_TABLE } from '../support/counting-projection.js';
import { waitFor } from '../support/wait.js';
import { review } from '../support/commerce-events.js';
import { PRODUCT_VIEW, type ProductView } from '../../schema/views/product-view.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { applyEvent } from '../../read-service/projection-engine/apply-run.js';

describe('projection runner', () => {
  let config: Config;
  let subjects: Subjects;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const tenant = 'tenant-p';

  before(async () => {
    config = testConfig(uniqueNamespace('projection'));
    subjects = subjectsFor(config.namespace);
    nc = await connect({ servers: config.natsUrl });
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    await orm.em.fork().execute(EVENT_COUNTS_TABLE, [], 'run');
  });
  after(async () => {
    await orm?.close();
    await nc?.close();
    if (config) await cleanupNamespace(config);
  });

  const sql = <T>(query: string, params: unknown[] = []) => (orm.em.fork() as EntityManager).execute<T[]>(query, params);
  const checkpoint = async (name: string) =>
    Number((await sql<{ position: string }>('select position from projection_checkpoints where projection = ?', [name]))[0]?.position ?? 0);
  const start = (projection: ReadModel, extra: { afterCommit?: (position: number) => void; maxBatch?: number } = {}) =>
    startProjectionRunner({ model: projection, orm, databaseUrl: config.readDatabaseUrl, nc, js, jsm, subjects, logger, ...extra });

  it('a runner that crashes between commit and ack applies each event exactly once (G3)', async () => {
    let crashes = 0;
    const runner = start(countingProjection, {
      maxBatch: 7,
      afterCommit: (position) => {
        if (crashes < 3 && position > 10 * (crashes + 1)) {
          crashes += 1;
          throw new Error('simulated crash after commit, before ack');
        }
      },
    });
    try {
      const id = randomUUID();
      const events = [
        productEnvelope(tenant, id, 1, created(id)),
        ...Array.from({ length: 59 }, (_, i) => productEnvelope(tenant, id, i + 2, restocked(id, 1))),
      ];
      const last = await publishEvents(js, subjects, events);
      await waitFor(async () => (await checkpoint('counting')) >= last, {
        timeoutMs: 20_000,
        what: 'the checkpoint to reach the last event',
      });
      assert.equal(crashes, 3);
      const counts = await sql<{ event_id: string; n: number }>('select event_id, n from event_counts');
      assert.equal(counts.length, events.length);
      assert.deepEqual(
        counts.filter((c) => c.n !== 1),
        [],
      );
    } finally {
      await runner.stop();
    }
  });

  it('a duplicate published after the dedupe window (new sequence, same event) changes the product view once (G3)', async () => {
    const runner = start(productView);
    try {
      const id = randomUUID();
      const events = [productEnvelope(tenant, id, 1, created(id, 5)), productEnvelope(tenant, id, 2, restocked(id, 3))];
      await publishEvents(js, subjects, events);
      // The same events again under new message ids: JetStream stores them at new sequences.
      const last = await publishEvents(js, subjects, events, () => randomUUID());
      await waitFor(async () => (await checkpoint('product_view')) >= last, { what: 'the duplicates to be consumed' });
      const rows = await sql<{ available_quantity: number; version: number }>(
        'select available_quantity, version from product_view where id = ?',
        [id],
      );
      assert.deepEqual(rows, [{ available_quantity: 8, version: 2 }]);
    } finally {
      await runner.stop();
    }
  });

  it('an event the projection cannot apply (its data, a bug) becomes a dead letter at once and the projection moves on', async () => {
    const runner = start(productView);
    try {
      const id = randomUUID();
      const good = productEnvelope(tenant, id, 1, created(id, 1));
      const poison = productEnvelope(tenant, id, 2, {
        type: 'ProductRenamed',
        data: { productId: id, title: null as unknown as string, previousTitle: 'Kettle', renamedAt: new Date().toISOString() },
      });
      const after = productEnvelope(tenant, id, 3, restocked(id, 2));
      await publishEvents(js, subjects, [good, poison]);
      await js.publish(subjects.event(tenant, 'Product', id), 'this is not json', { msgID: randomUUID() });
      const last = await publishEvents(js, subjects, [after]);
      await waitFor(async () => (await checkpoint('product_view')) >= last, {
        timeoutMs: 15_000,
        what: 'the projection to pass the poison events',
      });
      const letters = await sql<{ event_id: string | null; event_type: string | null; attempts: number }>(
        'select event_id, event_type, attempts from dead_letters where projection = ? order by stream_seq',
        ['product_view'],
      );
      assert.equal(letters.length, 2);
      assert.deepEqual(
        letters[0],
        { event_id: poison.eventId, event_type: 'ProductRenamed', attempts: 1 },
        'dead-lettered at once: the same event fails the same way',
      );
      assert.equal(letters[1]!.event_id, null);
      const rows = await sql<{ title: string; available_quantity: number; version: number }>(
        'select title, available_quantity, version from product_view where id = ?',
        [id],
      );
      assert.deepEqual(rows, [{ title: 'Kettle', available_quantity: 3, version: 3 }]);
    } finally {
      await runner.stop();
    }
  });

  it('a connection killed under a batch (a passing failure) is never dead-lettered: the runner starts over and applies each event once', async () => {
    const id = randomUUID();
    const events = [
      productEnvelope(tenant, id, 1, created(id)),
      ...Array.from({ length: 9 }, (_, i) => productEnvelope(tenant, id, i + 2, restocked(id, 1))),
    ];
    const victim = events[4]!.eventId;
    let kills = 0;
    const killing: ReadModel<EventEnvelope> = {
      ...countingProjection,
      name: 'killing',
      toChanges: (event) => [event],
      async writeOne(tx, event) {
        if (event.eventId === victim && kills < 4) {
          kills += 1;
          await tx.execute('select pg_terminate_backend(pg_backend_pid())', [], 'run');
        }
        return applyEvent(tx, countingProjection, event);
      },
    };
    const runner = start(killing);
    try {
      const last = await publishEvents(js, subjects, events);
      await waitFor(async () => (await checkpoint('killing')) >= last, {
        timeoutMs: 20_000,
        what: 'the runner to get past the killed connections',
      });
      assert.equal(kills, 4, 'more often than the old runner tried an event before dead-lettering it');
      assert.deepEqual(
        await sql('select stream_seq from dead_letters where projection = ? and event_id in (?)', [
          'killing',
          events.map((e) => e.eventId),
        ]),
        [],
      );
      const counts = await sql<{ n: number }>('select n from event_counts where event_id in (?)', [events.map((e) => e.eventId)]);
      assert.deepEqual(
        counts.map((c) => c.n),
        events.map(() => 1),
      );
    } finally {
      await runner.stop();
    }
  });

  it('events a projection does not read cost no transaction: the position is announced at once and stored after a quiet second', async () => {
    const seen: number[] = [];
    const sub = nc.subscribe(subjects.checkpoint('counting'), {
      callback: (_error, msg) => {
        seen.push(msg.json<{ position: number }>().position);
      },
    });
    const runner = start(countingProjection);
    try {
      const id = randomUUID();
      const before = await publishEvents(js, subjects, [productEnvelope(tenant, id, 1, created(id))]);
      await waitFor(async () => (await checkpoint('counting')) >= before, { what: 'the created event to be applied' });
      // Renames are not among the counting projection's event types.
      const renames = Array.from({ length: 5 }, (_, i) =>
        productEnvelope(tenant, id, i + 2, {
          type: 'ProductRenamed',
          data: { productId: id, title: `T${i}`, previousTitle: 'Kettle', renamedAt: new Date().toISOString() },
        }),
      );
      const last = await publishEvents(js, subjects, renames);
      await waitFor(() => seen.some((position) => position >= last), { what: 'the skipped-to position to be announced' });
      assert.ok((await checkpoint('counting')) < last, 'not stored while the batch only skipped');
      await waitFor(async () => (await checkpoint('counting')) >= last, {
        timeoutMs: 5000,
        what: 'the position to be stored after a quiet second',
      });
      assert.deepEqual(await sql('select event_id from event_counts where event_id in (?)', [renames.map((e) => e.eventId)]), []);
    } finally {
      sub.unsubscribe();
      await runner.stop();
    }
  });

  it('a backlog is applied set-based: the rows one by one would give, each changed row announced once per batch at its latest revision', async () => {
    const [id, other] = [randomUUID(), randomUUID()];
    const restocks = Array.from({ length: 19 }, (_, i) => productEnvelope(tenant, id, i + 2, restocked(id, 1)));
    await publishEvents(js, subjects, [
      productEnvelope(tenant, id, 1, created(id, 5)),
      ...restocks.slice(0, 10),
      productEnvelope(tenant, other, 1, created(other, 2, 'EUR')),
    ]);
    await publishEvents(js, subjects, [restocks[4]!], () => randomUUID()); // a duplicate past the dedupe window
    const last = await publishEvents(js, subjects, [
      ...restocks.slice(10),
      review(tenant, id, 4),
      productEnvelope(tenant, other, 2, restocked(other, 1)),
    ]);
    const announced: ViewChange<ProductView>[] = [];
    const sub = nc.subscribe(subjects.view(tenant, PRODUCT_VIEW, '*'), {
      callback: (_error, msg) => {
        announced.push(msg.json<ViewChange<ProductView>>());
      },
    });
    const runner = start(productView); // the whole backlog waits: the runner takes it in large batches
    try {
      await waitFor(async () => (await checkpoint('product_view')) >= last, { what: 'the backlog to be applied' });
      const rows = await sql<{
        id: string;
        currency: string;
        available_quantity: number;
        version: number;
        revision: number;
        review_count: number;
      }>(
        'select id, currency, available_quantity, version, revision::integer, review_count::integer from product_view where id in (?, ?) order by id = ? desc',
        [id, other, id],
      );
      assert.deepEqual(rows, [
        { id, currency: 'USD', available_quantity: 24, version: 20, revision: 21, review_count: 1 },
        { id: other, currency: 'EUR', available_quantity: 3, version: 2, revision: 2, review_count: 0 },
      ]);
      await waitFor(() => announced.some((change) => change.key === id && change.version === 21), {
        what: 'the last revision to be announced',
      });
      const ofId = announced.filter((change) => change.key === id);
      assert.ok(ofId.length < 21, `a change per batch, not per event (${ofId.length} announcements of 21 revisions)`);
      assert.deepEqual(
        ofId.map((change) => change.version),
        [...ofId.map((change) => change.version)].sort((a, b) => a - b),
        'announced in revision order',
      );
      assert.deepEqual([ofId.at(-1)!.data.availableQuantity, ofId.at(-1)!.data.reviewCount, ofId.at(-1)!.position <= last], [24, 1, true]);
    } finally {
      sub.unsubscribe();
      await runner.stop();
    }
  });

  it('notices - every notice of a leadership carries its epoch and the next number, view changes and checkpoints alike; a quiet runner repeats its checkpoint', async () => {
    const notices: { subject: string; epoch?: string; seq?: number; reset?: boolean; position: number }[] = [];
    const record = (_error: unknown, msg: { subject: string; json<T>(): T }) => {
      notices.push({ subject: msg.subject, ...msg.json<{ epoch?: string; seq?: number; reset?: boolean; position: number }>() });
    };
    const subs = [
      nc.subscribe(subjects.view(tenant, PRODUCT_VIEW, '*'), { callback: record }),
      nc.subscribe(subjects.checkpoint('product_view'), { callback: record }),
    ];
    await nc.flush();
    const runner = start(productView);
    try {
      const id = randomUUID();
      const last = await publishEvents(js, subjects, [
        productEnvelope(tenant, id, 1, created(id)),
        productEnvelope(tenant, id, 2, restocked(id, 1)),
      ]);
      await waitFor(async () => (await checkpoint('product_view')) >= last, { what: 'the events to be applied' });
      const applied = notices.length;
      await waitFor(() => notices.length > applied && notices.at(-1)!.subject === subjects.checkpoint('product_view'), {
        timeoutMs: 5_000,
        what: 'a checkpoint from a quiet runner',
      });
      assert.equal(notices[0]?.reset, true, 'a leader starts with a reset');
      assert.equal(new Set(notices.map((notice) => notice.epoch)).size, 1, 'one epoch');
      assert.deepEqual(
        notices.map((notice) => notice.seq),
        notices.map((_notice, index) => index + 1),
        'numbered from 1 with none skipped',
      );
      assert.ok(
        notices.some((notice) => notice.subject.startsWith(`${config.namespace}.view.`)),
        'view changes among them',
      );
      assert.equal(notices.at(-1)!.position, last);
    } finally {
      for (const sub of subs) sub.unsubscribe();
      await runner.stop();
    }
  });

  it('a runner stopped while it is getting ready (before it consumes) stops', async () => {
    for (let round = 0; round < 5; round += 1) {
      const runner = start(countingProjection);
      await new Promise((resolve) => setTimeout(resolve, 20 * round)); // at different points of taking the lead
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`round ${round}: stop() did not return`)), 10_000);
      });
      try {
        await Promise.race([runner.stop(), hung]);
      } finally {
        clearTimeout(timer);
      }
    }
  });

  it('a second runner stands by while the first leads, and takes over when it stops', async () => {
    const first = start(countingProjection);
    const second = start(countingProjection);
    try {
      const id = randomUUID();
      const events = [productEnvelope(tenant, id, 1, created(id)), productEnvelope(tenant, id, 2, restocked(id, 1))];
      const last = await publishEvents(js, subjects, [events[0]!]);
      await waitFor(async () => (await checkpoint('counting')) >= last, { what: 'the leader to apply' });
      await first.stop();
      const next = await publishEvents(js, subjects, [events[1]!]);
      await waitFor(async () => (await checkpoint('counting')) >= next, { what: 'the standby to take over' });
      const counts = await sql<{ n: number }>(
        'select n from event_counts where event_id in (?, ?)',
        events.map((e) => e.eventId),
      );
      assert.deepEqual(counts, [{ n: 1 }, { n: 1 }]);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
