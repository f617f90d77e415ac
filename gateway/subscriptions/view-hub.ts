import type { NatsConnection } from '@nats-io/nats-core';
import { createLogger, type Logger, type Subjects } from '../../platform/index.js';
import { requireRegion, requireUuid, VIEW_PROJECTIONS } from '../../schema/index.js';
import { ANY_KEY, ViewFeed, type FeedListener } from './view-feed.js';

export { ANY_KEY };

/** One subject token: what tenants, view names and keys must be, so that no input widens a subscription. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A view key from client input: a UUID (lower-cased), or BAD_USER_INPUT naming the field. Checked
 * in the resolver, so that one bad id fails only its own field (not a whole DataLoader batch)
 * and no input reaches a subject name unchecked.
 */
export function uuidKey(value: string, field: string): string {
  return requireUuid(value, field);
}

/** A region as a view key (`<ns>.view.<tenant>.sales.<region>`), or BAD_USER_INPUT naming the field. */
export function regionKey(value: string, field: string): string {
  return requireRegion(value, field);
}

/**
 * The views the gateway follows, one ViewFeed each (one NATS subscription per view and one per
 * its projection's checkpoints, however many clients watch), started on first use. Listeners of
 * a key of a tenant are routed in process; the key `ANY_KEY` listens to every key of the view
 * (e.g. sales of every region).
 */
export class ViewHub {
  private readonly feeds = new Map<string, ViewFeed>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly logger: Logger = createLogger('gateway', 'warn'),
  ) {}

  /** The feed of a view (not started: `start()` it before reading anything that its notices keep current). */
  feed(view: string): ViewFeed {
    let feed = this.feeds.get(view);
    if (!feed) {
      const projection = VIEW_PROJECTIONS[view];
      if (!projection) throw new Error(`no projection announces the view ${view}`);
      feed = new ViewFeed(this.nc, this.subjects, { view, projection, logger: this.logger });
      this.feeds.set(view, feed);
    }
    return feed;
  }

  /** Starts following the view if needed, then routes the changes of (tenant, key) to `listener`. */
  async listen(tenant: string, view: string, key: string, listener: FeedListener): Promise<() => void> {
    // Resolvers check client input with coded errors first; this only guards against a bug.
    if (!SUBJECT_TOKEN.test(tenant) || !SUBJECT_TOKEN.test(view) || !(key === ANY_KEY || SUBJECT_TOKEN.test(key))) {
      throw new Error(`not a view subject: ${JSON.stringify([tenant, view, key])}`);
    }
    const feed = this.feed(view);
    await feed.start();
    return feed.listen(tenant, key, listener);
  }

  stop(): void {
    for (const feed of this.feeds.values()) feed.stop();
  }
}
