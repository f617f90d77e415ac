import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Subjects } from '../../platform/index.js';
import { schemaVersionOf, type EventEnvelope, type ViewChange } from '../../schema/index.js';
import { summarize, type LatencySummary } from '../load/stats.js';

export interface ProjectionLag {
  rate: number;
  published: number;
  applied: number;
  /** Event published to the stream -> its view change announced after the projection's commit. */
  publishToCommit: LatencySummary;
}

/**
 * Publishes ProductCreated events straight into the stream at a fixed rate (as the relay would,
 * with Nats-Msg-Id) and times each until the product view announces it: the projection's own
 * lag, apart from the write path.
 */
export async function measureProjectionLag(
  natsUrl: string,
  subjects: Subjects,
  rate: number,
  durationS: number,
  tenant = 'demo',
): Promise<ProjectionLag> {
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  // By product: a batch applied set-based announces each of its rows at the batch's last position.
  const publishedAt = new Map<string, number>();
  const noticedAt = new Map<string, number>();
  const sub = nc.subscribe(subjects.view(tenant, 'product', '*'), {
    callback: (_error, msg) => {
      noticedAt.set(msg.json<ViewChange>().key, performance.now());
    },
  });
  await nc.flush();
  const interval = 1000 / rate;
  const total = Math.round(rate * durationS);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const productId = randomUUID();
    const event: EventEnvelope = {
      eventId: randomUUID(),
      type: 'ProductCreated',
      schemaVersion: schemaVersionOf('ProductCreated'),
      tenant,
      aggregateType: 'Product',
      aggregateId: productId,
      version: 1,
      occurredAt: new Date().toISOString(),
      metadata: { correlationId: 'bench-lag' },
      data: {
        productId,
        sku: `LAG-${i}`,
        title: `Lag probe ${i}`,
        description: null,
        category: 'bench-lag',
        price: '1.00',
        currency: 'USD',
        initialStock: 1,
        createdAt: new Date().toISOString(),
      },
    };
    const sentAt = performance.now();
    pending.push(
      js.publish(subjects.event(tenant, 'Product', productId), JSON.stringify(event), { msgID: event.eventId }).then(() => {
        publishedAt.set(productId, sentAt);
      }),
    );
  }
  await Promise.all(pending);
  const deadline = performance.now() + 30_000;
  while ([...publishedAt.keys()].some((id) => !noticedAt.has(id)) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  sub.unsubscribe();
  await nc.close();
  const lags = [...publishedAt.entries()].filter(([id]) => noticedAt.has(id)).map(([id, at]) => noticedAt.get(id)! - at);
  return { rate, published: publishedAt.size, applied: lags.length, publishToCommit: summarize(lags) };
}
