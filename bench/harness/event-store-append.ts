/**
 * The event store's own append path at the PostgreSQL baseline's concurrency: `concurrency`
 * callers append one restock-like event with an idempotency claim each to a fresh stream,
 * through `EventStore.append` (group commit) on a pool of 8, in a scratch database that has the
 * event store's migrations. Set beside the baseline (the same rows, one transaction per
 * command), it tells what the store adds or saves on the write itself. Prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { openOrm } from '../../platform/postgres/index.js';
import { subjectsFor } from '../../platform/index.js';
import { EventStore, writeMigrations } from '../../write-service/index.js';
import { summarize } from '../load/stats.js';

const { url, durationS, concurrency } = JSON.parse(process.argv[2] ?? '{}') as { url: string; durationS: number; concurrency: number };
const orm = await openOrm({ url, entities: [], migrations: writeMigrations, poolSize: 8 });
const store = new EventStore(orm, subjectsFor('bench'));
const latencies: number[] = [];
const end = performance.now() + durationS * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const streamId = randomUUID();
      const eventIds = store.newEventIds(1);
      await store.append({
        tenant: 'bench',
        streamType: 'Product',
        streamId,
        expectedVersion: 0,
        events: [{ type: 'ProductRestocked', data: { productId: streamId, quantity: 1, restockedAt: new Date().toISOString() } }],
        eventIds,
        metadata: { correlationId: randomUUID() },
        occurredAt: new Date().toISOString(),
        idempotency: { key: `k-${eventIds[0]}`, command: 'restockProduct', requestHash: 'h' },
      });
      latencies.push(performance.now() - t);
    }
  }),
);
await orm.close();
process.stdout.write(`${JSON.stringify({ throughput: Math.round(latencies.length / durationS), latency: summarize(latencies) })}\n`);
