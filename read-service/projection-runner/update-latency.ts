import type { Metrics } from '../../platform/index.js';
import type { EventEnvelope } from '../../schema/index.js';

/**
 * Observes a committed batch's events in `cqrs_projection_update_latency_seconds`: from each
 * event's commit (its `occurredAt`: the envelope holds no later time) to now, just after the
 * view transaction committed. An event without a readable time is left out.
 */
export function observeUpdateLatency(metrics: Metrics, projection: string, events: readonly EventEnvelope[], now = Date.now()): void {
  for (const event of events) {
    const committed = Date.parse(event.occurredAt);
    if (!Number.isNaN(committed)) metrics.projectionUpdateLatency.observe({ projection }, Math.max(0, now - committed) / 1000);
  }
}
