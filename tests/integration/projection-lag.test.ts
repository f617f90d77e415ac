import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { Config } from '../../platform/config.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { encodeJson } from '../../platform/messaging.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { CheckpointTracker } from '../../read-service/consistency/checkpoint-tracker.js';
import { projectionLag } from '../../read-service/consistency/projection-lag.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import type { CheckpointNotice } from '../../schema/views/view-change.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

/** An event envelope committed `secondsAgo` ago (by its occurredAt). */
function event(secondsAgo: number) {
  const id = randomUUID();
  return {
    subject: (subjects: Subjects) => subjects.event('acme', 'Product', id),
    envelope: {
      eventId: randomUUID(),
      type: 'ProductRestocked',
      schemaVersion: 1,
      tenant: 'acme',
      aggregateType: 'Product',
      aggregateId: id,
      version: 2,
      occurredAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
      data: { productId: id, quantity: 1 },
      metadata: { correlationId: randomUUID() },
    },
  };
}

describe('metrics - projection lag (cqrs_projection_lag_events, cqrs_projection_lag_seconds)', () => {
  let config: Config;
  let subjects: Subjects;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let tracker: CheckpointTracker;

  before(async () => {
    config = testConfig(uniqueNamespace('lag'));
    subjects = subjectsFor(config.namespace);
    nc = await connectNats(config.natsUrl, 'projection-lag-test', createLogger('test', 'silent'));
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    tracker = new CheckpointTracker(nc, subjects, orm);
    await tracker.start();
  });
  after(async () => {
    tracker?.stop();
    await orm?.close();
    await nc?.close();
    await cleanupNamespace(config);
  });

  /** What a projection runner announces when it has applied (or skipped) up to `position`. */
  const announce = async (projection: string, position: number) => {
    nc.publish(subjects.checkpoint(projection), encodeJson({ projection, position } satisfies CheckpointNotice));
    await waitFor(() => tracker.position(projection) === position, { what: `${projection} at ${position}` });
  };

  it('events after the checkpoint, and the age of the oldest of them by its commit (occurredAt); 0 and 0 once caught up', async () => {
    const lag = projectionLag(['product_view', 'order_view'], tracker, jsm, subjects);
    assert.deepEqual(await lag(), [
      { projection: 'product_view', events: 0, seconds: 0 },
      { projection: 'order_view', events: 0, seconds: 0 },
    ]);

    for (const secondsAgo of [60, 30, 10]) {
      const { subject, envelope } = event(secondsAgo);
      await js.publish(subject(subjects), encodeJson(envelope));
    }
    const [product, order] = await lag();
    assert.equal(product!.events, 3);
    assert.ok(product!.seconds >= 60 && product!.seconds < 90, String(product!.seconds));
    assert.equal(order!.events, 3);

    await announce('product_view', 2);
    const [behindOne, stillOrder] = await lag();
    assert.equal(behindOne!.events, 1);
    assert.ok(behindOne!.seconds >= 10 && behindOne!.seconds < 40, `the third event's age: ${behindOne!.seconds}`);
    assert.equal(stillOrder!.events, 3, 'each projection by its own checkpoint');
    assert.ok(stillOrder!.seconds >= 60);

    await announce('product_view', 3);
    assert.deepEqual((await lag())[0], { projection: 'product_view', events: 0, seconds: 0 });
  });

  it('a message that is no event is aged from when JetStream stored it', async () => {
    await js.publish(subjects.event('acme', 'Product', randomUUID()), 'not an event');
    const [product] = await projectionLag(['product_view'], tracker, jsm, subjects)();
    assert.equal(product!.events, 1);
    assert.ok(product!.seconds >= 0 && product!.seconds < 10, String(product!.seconds));
  });
});
