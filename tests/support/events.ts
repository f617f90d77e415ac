import { randomUUID } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Subjects } from '../../platform/subjects.js';
import type { DomainEvent, EventEnvelope } from '../../schema/events/envelope.js';
import type { ProductEvent } from '../../schema/events/product-events.js';
import { schemaVersionOf } from '../../schema/events/upcasters.js';

/** An event envelope as the event store would write it: a fresh event id and correlation id, occurred now. */
export function envelope(tenant: string, aggregateType: string, aggregateId: string, version: number, event: DomainEvent): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: schemaVersionOf(event.type),
    tenant,
    aggregateType,
    aggregateId,
    version,
    occurredAt: new Date().toISOString(),
    data: event.data,
    metadata: { correlationId: randomUUID() },
  };
}

/** A product event envelope as the event store would write it. */
export function productEnvelope(tenant: string, productId: string, version: number, event: ProductEvent): EventEnvelope {
  return envelope(tenant, 'Product', productId, version, event);
}

export function created(productId: string, initialStock = 0, currency = 'USD'): ProductEvent {
  return {
    type: 'ProductCreated',
    data: {
      productId,
      sku: 'SKU-1',
      title: 'Kettle',
      description: null,
      category: 'kitchen',
      price: '10.00',
      currency,
      initialStock,
      createdAt: new Date().toISOString(),
    },
  };
}

export function restocked(productId: string, quantity: number): ProductEvent {
  return { type: 'ProductRestocked', data: { productId, quantity, restockedAt: new Date().toISOString() } };
}

/** Publishes envelopes to the stream as the relay does (Nats-Msg-Id = event id unless told otherwise). */
export async function publishEvents(
  js: JetStreamClient,
  subjects: Subjects,
  events: EventEnvelope[],
  msgId = (e: EventEnvelope) => e.eventId,
): Promise<number> {
  let seq = 0;
  for (const event of events) {
    const ack = await js.publish(subjects.event(event.tenant, event.aggregateType, event.aggregateId), JSON.stringify(event), {
      msgID: msgId(event),
    });
    seq = ack.seq;
  }
  return seq;
}
