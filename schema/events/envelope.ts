/**
 * A domain event as it is stored and published. `type` is past tense (`ProductCreated`);
 * `data` is JSON-safe (ISO strings, decimal strings). `schemaVersion` lets upcasters
 * translate old payloads to the current contract.
 */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  eventId: string;
  type: Type;
  schemaVersion: number;
  tenant: string;
  aggregateType: string;
  aggregateId: string;
  /** Version of the aggregate after this event (1 for the first event). */
  version: number;
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
}

export interface EventMetadata {
  correlationId: string;
  causationId?: string;
  userId?: string;
  traceparent?: string;
}

/** What a decider emits: a type and its payload. The event store adds the envelope. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}
