import type { EventEnvelope } from './envelope.js';

/** Turns a payload of `type` at `fromVersion` into the next schema version. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/** The current schema version of each event type (1 unless listed). */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<string, number>> = {};

/** Registered upcasters; empty while every event is at its first schema version. */
const UPCASTERS: readonly Upcaster[] = [];

/** Brings a stored or received event to the current contract, one version at a time. */
export function upcast(event: EventEnvelope, upcasters: readonly Upcaster[] = UPCASTERS): EventEnvelope {
  let current = event;
  for (;;) {
    const step = upcasters.find((u) => u.type === current.type && u.fromVersion === current.schemaVersion);
    if (!step) return current;
    current = { ...current, schemaVersion: current.schemaVersion + 1, data: step.upcast(current.data) };
  }
}
