import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Subjects } from '../../platform/subjects.js';
import { AppError } from '../../schema/errors.js';
import { requireRegion, requireUuid } from '../../schema/validation.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { toGraphQLError } from '../errors.js';

type Listener = (change: ViewChange) => void;

/** The key that listens to every key of a view (a NATS single-token wildcard). */
export const ANY_KEY = '*';
/** One subject token: what tenants, view names and keys must be, so that no input widens a subscription. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A view key from client input: a UUID (lower-cased), or BAD_USER_INPUT naming the field. Checked
 * in the resolver, so that one bad id fails only its own field (not a whole DataLoader batch)
 * and no input reaches a subject name unchecked.
 */
export function uuidKey(value: string, field: string): string {
  return coded(() => requireUuid(value, field));
}

/** A region as a view key (`<ns>.view.<tenant>.sales.<region>`), or BAD_USER_INPUT naming the field. */
export function regionKey(value: string, field: string): string {
  return coded(() => requireRegion(value, field));
}

function coded<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof AppError ? toGraphQLError(error) : error;
  }
}

interface Topic {
  sub: Subscription;
  listeners: Set<Listener>;
}

/**
 * Multiplexes view-change notices: one NATS subscription per distinct (tenant, view, key),
 * however many clients watch it; dropped when the last one leaves. The key `ANY_KEY` listens to
 * every key of the view (e.g. sales of every region); it is a topic of its own.
 */
export class ViewHub {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly nc: NatsConnection, private readonly subjects: Subjects) {}

  listen(tenant: string, view: string, key: string, listener: Listener): () => void {
    // Resolvers check client input with coded errors first; this only guards against a bug.
    if (!SUBJECT_TOKEN.test(tenant) || !SUBJECT_TOKEN.test(view) || !(key === ANY_KEY || SUBJECT_TOKEN.test(key))) {
      throw new Error(`not a view subject: ${JSON.stringify([tenant, view, key])}`);
    }
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
}
