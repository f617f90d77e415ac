import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../platform/config.js';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { createLogger } from '../../platform/logger.js';
import { encodeJson } from '../../platform/messaging.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { writeMigrations } from '../../write-service/migrations/index.js';
import type { PublishedNotice } from '../../write-service/outbox/outbox-relay.js';
import { PublishWaiter } from '../../write-service/outbox/publish-waiter.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';

describe("publish waiter: handlers waiting for the relay's notice", () => {
  let config: Config;
  let subjects: Subjects;
  let orm: Orm;
  let nc: NatsConnection;
  let waiter: PublishWaiter;

  before(async () => {
    config = testConfig(uniqueNamespace('waiter'));
    subjects = subjectsFor(config.namespace);
    orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
    nc = await connectNats(config.natsUrl, 'publish-waiter-test', createLogger('publish-waiter-test', 'warn'));
    waiter = new PublishWaiter(nc, subjects, orm);
  });

  after(async () => {
    waiter?.close();
    await nc?.drain().catch(() => undefined);
    await orm?.close();
    if (config) await cleanupNamespace(config);
  });

  const announce = async (eventId: string, seq: number) => {
    nc.publish(subjects.published, encodeJson({ events: [[eventId, seq]] } satisfies PublishedNotice));
    await nc.flush();
  };

  // The event is in no outbox table here: a waiter that misses the notice answers undefined
  // after its timeout instead of the sequence, whatever the timing.
  it('waiter - two handlers waiting for one event (a command and its concurrent replay) both learn its sequence', async () => {
    const eventId = randomUUID();
    const original = waiter.expect(eventId);
    const replay = waiter.expect(eventId);
    const answers = Promise.all([original.published(2_000), replay.published(2_000)]);
    await announce(eventId, 41);
    assert.deepEqual(await answers, [41, 41]);
  });

  it('waiter - one handler giving up leaves the other one waiting', async () => {
    const eventId = randomUUID();
    const original = waiter.expect(eventId);
    const replay = waiter.expect(eventId);
    original.cancel();
    const answer = replay.published(2_000);
    await announce(eventId, 42);
    assert.equal(await answer, 42);
  });
});
