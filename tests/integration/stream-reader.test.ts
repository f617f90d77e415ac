import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { StreamReader } from '../../read-service/rebuild/stream-reader.js';
import { productEnvelope, publishEvents, restocked } from '../support/events.js';
import { rebuildSystem } from '../support/rebuild-system.js';

describe('projection rebuild', () => {
  const system = rebuildSystem();
  const { subjects, lastSeq } = system;
  let nc: NatsConnection;
  let js: JetStreamClient;
  before(() => ({ nc, js } = system));

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
});
