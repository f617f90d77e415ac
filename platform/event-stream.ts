import { jetstreamManager, StorageType, RetentionPolicy, DiscardPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import type { Subjects } from './subjects.js';

/** The dedupe window of the event stream; G6 and G3 do not rely on it (PostgreSQL does). */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * Creates the event stream when it is missing: file storage, everything kept (rebuilds replay
 * from the start), deduplication by Nats-Msg-Id.
 */
export async function ensureEventStream(nc: NatsConnection, subjects: Subjects): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(subjects.stream);
  } catch {
    try {
      await jsm.streams.add({
        name: subjects.stream,
        subjects: [subjects.eventsWildcard],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        num_replicas: Number(process.env.STREAM_REPLICAS ?? 1),
      });
    } catch (error) {
      // A replica starting at the same moment may have created it first.
      await jsm.streams.info(subjects.stream).catch(() => {
        throw error;
      });
    }
  }
  return jsm;
}
