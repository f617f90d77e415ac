import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Orm } from '../../platform/postgres/index.js';
import type { Subjects } from '../../platform/index.js';
import type { PublishedNotice } from './outbox-relay.js';

/**
 * Lets a command handler wait until its last event is in the stream, to answer with the
 * stream sequence as consistency token. Learns it from the relay's notices (whichever
 * replica leads), and asks the outbox table when a notice may have been missed.
 */
export class PublishWaiter {
  /** By event id: several handlers may wait for one event (a command and a concurrent replay of its key). */
  private readonly waiting = new Map<string, Set<(seq: number) => void>>();
  private readonly sub: Subscription;

  constructor(
    nc: NatsConnection,
    subjects: Subjects,
    private readonly orm: Orm,
  ) {
    this.sub = nc.subscribe(subjects.published, {
      callback: (error, msg) => {
        if (error) return;
        for (const [eventId, seq] of msg.json<PublishedNotice>().events) {
          for (const resolve of this.waiting.get(eventId) ?? []) resolve(seq);
        }
      },
    });
  }

  /** Starts waiting before the append, so that no notice slips between commit and wait. */
  expect(eventId: string): { published(timeoutMs: number): Promise<number | undefined>; cancel(): void } {
    let resolveSeq!: (seq: number) => void;
    const notified = new Promise<number>((resolve) => {
      resolveSeq = resolve;
    });
    let waiters = this.waiting.get(eventId);
    if (!waiters) this.waiting.set(eventId, (waiters = new Set()));
    waiters.add(resolveSeq);
    const cancel = () => {
      waiters.delete(resolveSeq);
      if (waiters.size === 0 && this.waiting.get(eventId) === waiters) this.waiting.delete(eventId);
    };
    return {
      published: async (timeoutMs) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), timeoutMs);
        });
        try {
          return (await Promise.race([notified, timedOut])) ?? (await this.lookup(eventId));
        } finally {
          clearTimeout(timer);
          cancel();
        }
      },
      cancel,
    };
  }

  /**
   * The stream sequence of an event, when the relay has published it. An event whose outbox row
   * is gone was published longer ago than the retention keeps rows (write-service/retention):
   * its sequence is no longer known, and 0 stands for it, a token every read model has passed.
   */
  async lookup(eventId: string): Promise<number | undefined> {
    const rows = await this.orm.em
      .fork()
      .execute<{ stream_seq: string | null }[]>('select stream_seq from outbox where event_id = ?', [eventId]);
    if (rows.length === 0) return 0;
    const seq = rows[0]!.stream_seq;
    return seq === null ? undefined : Number(seq);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
