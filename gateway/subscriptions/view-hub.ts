import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Subjects } from '../../platform/subjects.js';
import type { ViewChange } from '../../schema/views/view-change.js';

type Listener = (change: ViewChange) => void;

interface Topic {
  sub: Subscription;
  listeners: Set<Listener>;
}

/**
 * Multiplexes view-change notices: one NATS subscription per distinct (tenant, view, key),
 * however many clients watch it; dropped when the last one leaves.
 */
export class ViewHub {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly nc: NatsConnection, private readonly subjects: Subjects) {}

  listen(tenant: string, view: string, key: string, listener: Listener): () => void {
    const subject = this.subjects.view(tenant, view, key);
    let topic = this.topics.get(subject);
    if (!topic) {
      const listeners = new Set<Listener>();
      const sub = this.nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error) return;
          let change: ViewChange;
          try {
            change = msg.json<ViewChange>();
          } catch {
            return; // not ours: view subjects carry JSON from the projection runner only
          }
          for (const l of listeners) l(change);
        },
      });
      topic = { sub, listeners };
      this.topics.set(subject, topic);
    }
    topic.listeners.add(listener);
    return () => {
      const current = this.topics.get(subject);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        current.sub.unsubscribe();
        this.topics.delete(subject);
      }
    };
  }

  /** Distinct NATS subscriptions held (for metrics and tests). */
  get topicCount(): number {
    return this.topics.size;
  }
}
