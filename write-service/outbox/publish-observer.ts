import { JetStreamApiError, type PubAck } from '@nats-io/jetstream';

/** JetStream's refusal of a publish whose Nats-Expected-Last-Msg-Id is not the stream's last message. */
const WRONG_LAST_MSG_ID = 10070;

/** What the outbox relay tells of its publishes (for the metrics). */
export interface PublishObserver {
  /** Told of each event JetStream stored (not of a duplicate, stored before): seconds from its commit to the acknowledgement. */
  onPublished?: (seconds: number) => void;
  /**
   * Told of each publish JetStream did not acknowledge (a timeout, no stream leader, a refusal),
   * but not of a publish refused because the one it was chained behind was not stored: that
   * follows a failure already told, or a duplicate.
   */
  onPublishFailed?: () => void;
}

/** A publish of the relay, observed; `committedAt` is the event's commit on `performance.now()`'s clock. */
export function observePublish(publish: Promise<PubAck>, committedAt: number, observer: PublishObserver): Promise<PubAck> {
  return publish.then(
    (ack) => {
      if (!ack.duplicate) observer.onPublished?.(Math.max(0, performance.now() - committedAt) / 1000);
      return ack;
    },
    (error: unknown) => {
      if (!(error instanceof JetStreamApiError && error.code === WRONG_LAST_MSG_ID)) observer.onPublishFailed?.();
      throw error;
    },
  );
}
