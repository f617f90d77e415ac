import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, type Subjects } from '../../platform/index.js';
import type { CheckpointNotice, NoticeStampReply, ViewChange } from '../../schema/index.js';

/**
 * What one leadership of a projection runner announces, every notice stamped with the
 * projection, an epoch of its own and the next number of one sequence (NoticeStamp), all on one
 * connection and so in order: a follower that sees a number skipped or a new epoch knows it
 * missed something and reads again.
 */
export class ProjectionNotices {
  private readonly epoch = randomUUID().slice(0, 8);
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly projection: string,
  ) {}

  /**
   * Answers followers that start following (ViewFeed) with the stamp of the last notice sent,
   * on the connection of the notices, so the answer reaches them after every notice it counts.
   */
  serveStamp(): () => void {
    const sub = this.nc.subscribe(this.subjects.noticeStamp(this.projection), {
      callback: (error, msg) => {
        if (!error) msg.respond(encodeJson({ epoch: this.epoch, seq: this.seq } satisfies NoticeStampReply));
      },
    });
    return () => sub.unsubscribe();
  }

  /** A new leader's first notice: views may have changed unannounced before it (a predecessor died between commit and announce). */
  reset(position: number): void {
    this.checkpoint(position, true);
  }

  /**
   * A committed batch: each changed row, then the checkpoint. Each row's notice names the batch's
   * trace (its span's traceparent, with tracing on) and its command's correlation id (when the
   * batch's events share one), so that the pushes it causes continue both.
   */
  batch(changes: readonly ViewChange[], position: number, origin: Pick<ViewChange, 'traceparent' | 'correlationId'> = {}): void {
    const { traceparent, correlationId } = origin;
    const traced = { ...(traceparent ? { traceparent } : {}), ...(correlationId ? { correlationId } : {}) };
    for (const change of changes) {
      this.nc.publish(
        this.subjects.view(change.tenant, change.view, change.key),
        encodeJson({ ...change, ...traced, projection: this.projection, epoch: this.epoch, seq: this.next() }),
      );
    }
    this.checkpoint(position);
  }

  /** The checkpoint alone: after a quiet second, so that a lost last notice shows as a gap within a second. */
  checkpoint(position: number, reset = false): void {
    const notice: CheckpointNotice = {
      projection: this.projection,
      position,
      epoch: this.epoch,
      seq: this.next(),
      ...(reset ? { reset } : {}),
    };
    this.nc.publish(this.subjects.checkpoint(this.projection), encodeJson(notice));
  }

  private next(): number {
    this.seq += 1;
    return this.seq;
  }
}
