import { type EventEnvelope, upcast } from '../../schema/index.js';

/**
 * The read side's one way in for events: a stream message, a dead letter's payload or an event
 * store row becomes an envelope at the current contract (`upcast`), or undefined when it is not
 * an event envelope at all (which the engine dead-letters).
 */
export function decodeEvent(payload: string | Uint8Array): EventEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch {
    return undefined;
  }
  return asEvent(value);
}

/** An already parsed value (an event store row, as an envelope) at the current contract. */
export function asEvent(value: unknown): EventEnvelope | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const event = value as EventEnvelope;
  return typeof event.type === 'string' && typeof event.tenant === 'string' ? upcast(event) : undefined;
}

const utf8 = new TextDecoder();
