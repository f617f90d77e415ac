import type { DomainEvent } from './envelope.js';

/** Turns a payload of `type` at `fromVersion` into the payload of `fromVersion + 1`. */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown): unknown;
}

/**
 * An upcaster between two named payload types, so that the step is checked by the compiler: it
 * must return everything the next version has, from what the older version had.
 */
export function defineUpcaster<From extends DomainEvent, To extends DomainEvent<From['type']>>(
  type: From['type'],
  fromVersion: number,
  step: (data: From['data']) => To['data'],
): Upcaster {
  return { type, fromVersion, upcast: (data) => step(data) };
}
