import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import type { BatchOptions } from './batch-support.js';

/**
 * A projection: which events it reads and how each changes its rows, inside the batch's
 * transaction. It returns the changed view rows so that subscribers can be told after commit.
 * It holds no business rules and must be idempotent per event version (G3).
 */
export interface Projection {
  /** Name of its checkpoint, consumer and lock: `product_view`. */
  name: string;
  /** Tables it owns (rebuild and verify work on these). */
  tables: readonly string[];
  /** The event types it reads; a batch holding none of them costs no transaction. */
  eventTypes: ReadonlySet<string>;
  apply(event: EventEnvelope, tx: EntityManager): Promise<Omit<ViewChange, 'position'>[]>;
  /**
   * Optional: applies a run of this projection's events (in stream order) exactly as `apply`
   * would one by one, in a few set-based statements, and returns each changed row once, as it is
   * after the run. It throws rather than guess (an event it cannot vouch for); the caller then
   * applies that run event by event with `apply`. Rebuilds use it for every run, the live runner
   * for runs long enough to pay (see projection-runner); a rebuild asks for no changes
   * (`announce: false`) and gets none.
   */
  applyBatch?(events: readonly EventEnvelope[], tx: EntityManager, options?: BatchOptions): Promise<Omit<ViewChange, 'position'>[]>;
}
