import type { EventEnvelope } from './envelope.js';
import { productCreatedV1ToV2 } from './product-created-v1.js';
import type { Upcaster } from './upcaster.js';

/**
 * The schema version each event type is written at, when past 1. Changing an event's payload
 * means a new version here, its upcaster below (in a file that keeps the old shape as a named
 * type), and a sample of the new version in schema/events/samples/ (docs/decisions.md #36).
 */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<string, number>> = {
  ProductCreated: 2,
};

/** Every step from an older version to the next; `upcast` chains them. */
export const UPCASTERS: readonly Upcaster[] = [productCreatedV1ToV2];

/** The version the event store writes `type` at. */
export function schemaVersionOf(type: string): number {
  return CURRENT_SCHEMA_VERSION[type] ?? 1;
}

/** Brings a stored or received event to the current contract, one version at a time. */
export function upcast(event: EventEnvelope, upcasters: readonly Upcaster[] = UPCASTERS): EventEnvelope {
  let current = event;
  for (;;) {
    const step = upcasters.find((u) => u.type === current.type && u.fromVersion === current.schemaVersion);
    if (!step) return current;
    current = { ...current, schemaVersion: current.schemaVersion + 1, data: step.upcast(current.data) };
  }
}
