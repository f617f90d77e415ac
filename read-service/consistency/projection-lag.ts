import type { JetStreamManager } from '@nats-io/jetstream';
import type { ProjectionLag, Subjects } from '../../platform/index.js';
import type { CheckpointTracker } from './checkpoint-tracker.js';

/**
 * How far each projection is behind the event stream, read at a scrape (the metrics):
 * - events: the stream's last sequence minus the projection's checkpoint, the last message it
 *   applied or skipped, as its runner announces it (CheckpointTracker), wherever that runs;
 * - seconds: the age of the oldest message it has not applied (the one just after its
 *   checkpoint), from its commit (`occurredAt`; the time JetStream stored it when the message is
 *   no event) to now; 0 when it is caught up.
 * One stream info per scrape, plus one message read per projection behind (remembered while it
 * stays the oldest).
 */
export function projectionLag(
  projections: readonly string[],
  tracker: CheckpointTracker,
  jsm: JetStreamManager,
  subjects: Subjects,
): () => Promise<ProjectionLag[]> {
  /** Commit times (epoch ms) of the oldest unapplied messages, by stream sequence. */
  let committed = new Map<number, number>();
  const committedAt = async (seq: number): Promise<number> => {
    const known = committed.get(seq);
    if (known !== undefined) return known;
    const msg = await jsm.streams.getMessage(subjects.stream, { seq });
    if (!msg) return NaN; // removed from the stream: its age is unknown
    const at = commitTime(() => msg.json(), msg.time);
    committed.set(seq, at);
    return at;
  };
  return async () => {
    const { state } = await jsm.streams.info(subjects.stream);
    const now = Date.now();
    const lags = await Promise.all(
      projections.map(async (projection) => {
        const next = Math.max(tracker.position(projection) + 1, state.first_seq);
        if (next > state.last_seq) return { projection, events: 0, seconds: 0, next };
        const seconds = Math.max(0, now - (await committedAt(next))) / 1000;
        return { projection, events: state.last_seq - next + 1, seconds, next };
      }),
    );
    committed = new Map(lags.flatMap(({ next }) => (committed.has(next) ? [[next, committed.get(next)!] as const] : [])));
    return lags.map(({ projection, events, seconds }) => ({ projection, events, seconds }));
  };
}

/** When a stream message's event was committed (epoch ms): its `occurredAt`, else when JetStream stored it. */
function commitTime(json: () => unknown, stored: Date): number {
  try {
    const occurredAt = (json() as { occurredAt?: unknown } | null)?.occurredAt;
    const at = typeof occurredAt === 'string' ? Date.parse(occurredAt) : NaN;
    return Number.isNaN(at) ? stored.getTime() : at;
  } catch {
    return stored.getTime(); // not JSON: no event
  }
}
