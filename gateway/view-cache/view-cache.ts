import { decodeConsistencyToken, type ViewChange } from '../../schema/index.js';
import type { FeedObserver, ViewFeed } from '../subscriptions/view-feed.js';

/** A view row as cached: its revision orders the changes of the row. */
export interface CachedView {
  revision: number;
}

interface Pending<View> {
  /** The newest change announced while the row was being fetched. */
  latest?: View;
}

/** A fetch in flight that other cache-usable loads of the same row wait for instead of fetching again. */
interface Flight<View> {
  epoch: number;
  row: Promise<View | null>;
}

const DEFAULT_CAPACITY = 20_000;

/**
 * A near cache of one view in the gateway, kept current by the projection's own notices, so
 * that hot rows are answered without a hop to the read-service.
 *
 * It observes the view's feed: every change, and each checkpoint once the feed has checked that
 * no notice before it went missing (ViewFeed). The runner publishes a batch's changes before its
 * checkpoint, on one connection, so once the cache has seen checkpoint P it has seen every change
 * up to P: a cached row is current as of `position`, and a query whose consistency token is at
 * or below it may be answered from the cache (G4); above it, the read-service answers (and waits).
 *
 * A row enters on a miss, fetched from the read-service; changes announced while it is being
 * fetched are kept and the newest (by revision) wins, so a fetch cannot put back an older row.
 * Whatever might have made it miss notices (a gap in the runner's notice sequence, a new
 * projection leader, a rebuild, a disconnect or slow consumer on this side) empties it.
 */
export class ViewCache<View extends CachedView> implements FeedObserver {
  private readonly rows = new Map<string, View | null>();
  private readonly pending = new Map<string, Pending<View>>();
  private readonly flights = new Map<string, Flight<View>>();
  private unobserve: (() => void) | undefined;
  /** Every change up to this stream position has been applied. */
  private position = 0;
  /** Bumped by every reset, so that fetches begun before it are not cached. */
  private epoch = 0;

  constructor(
    private readonly feed: ViewFeed,
    private readonly options: {
      capacity?: number;
      /** Told of each load: its rows found in the cache, and the others (for the metrics). */
      onLookup?: (hits: number, misses: number) => void;
    } = {},
  ) {}

  /** Observes the feed; resolves once its subscriptions are on the server. */
  async start(): Promise<void> {
    this.unobserve ??= this.feed.observe(this);
    await this.feed.start();
  }

  stop(): void {
    this.unobserve?.();
    this.unobserve = undefined;
    this.reset();
  }

  /**
   * The rows of `ids` (null: no such row), from the cache where it may answer, else from
   * `fetch` (the read-service, with the token), whose answers enter the cache.
   */
  async load(
    tenant: string,
    ids: readonly string[],
    token: string | null | undefined,
    fetch: (ids: string[]) => Promise<(View | null)[]>,
  ): Promise<(View | null)[]> {
    const usable = this.answers(token);
    const answers = new Array<View | null>(ids.length);
    const missing: number[] = [];
    const joined: Promise<void>[] = [];
    let hits = 0;
    ids.forEach((id, i) => {
      const key = keyOf(tenant, id);
      const row = usable ? this.rows.get(key) : undefined;
      const flight = usable && row === undefined ? this.flights.get(key) : undefined;
      if (row !== undefined) {
        answers[i] = row;
        hits += 1;
      } else if (flight?.epoch === this.epoch)
        joined.push(
          flight.row.then((fetched) => {
            answers[i] = fetched;
          }),
        );
      else missing.push(i);
    });
    this.options.onLookup?.(hits, ids.length - hits);
    if (missing.length > 0) await this.fetchMissing(tenant, ids, missing, answers, usable, fetch);
    await Promise.all(joined);
    return answers;
  }

  /**
   * Fetches the missing rows, caches them, and while it runs lets other loads that may answer
   * from the cache wait for this fetch rather than send their own: a cold cache under load
   * costs one fetch per row, not one per request. (Waiting is as current as reading the row
   * once it is cached: changes announced during the fetch win over it.) A load with a token
   * above the cache's position fetches on its own and shares nothing.
   */
  private async fetchMissing(
    tenant: string,
    ids: readonly string[],
    missing: number[],
    answers: (View | null)[],
    usable: boolean,
    fetch: (ids: string[]) => Promise<(View | null)[]>,
  ): Promise<void> {
    const epoch = this.epoch;
    const keys = missing.map((i) => keyOf(tenant, ids[i]!));
    const marks = keys.map((key) => {
      let mark = this.pending.get(key);
      if (!mark) this.pending.set(key, (mark = {}));
      return mark;
    });
    const settles: { resolve(row: View | null): void; reject(error: unknown): void }[] = [];
    const flights = usable
      ? keys.map((key) => {
          const flight: Flight<View> = { epoch, row: new Promise((resolve, reject) => settles.push({ resolve, reject })) };
          flight.row.catch(() => undefined); // rejected with no one waiting is not an unhandled rejection
          this.flights.set(key, flight);
          return flight;
        })
      : [];
    try {
      const fetched = await fetch(missing.map((i) => ids[i]!));
      missing.forEach((i, n) => {
        const newest = newer(fetched[n] ?? null, marks[n]!.latest);
        answers[i] = newest;
        settles[n]?.resolve(newest);
        if (epoch === this.epoch) this.put(keys[n]!, newest);
      });
    } catch (error) {
      for (const settle of settles) settle.reject(error);
      throw error;
    } finally {
      keys.forEach((key, n) => {
        if (this.pending.get(key) === marks[n]) this.pending.delete(key);
        if (flights[n] && this.flights.get(key) === flights[n]) this.flights.delete(key);
      });
    }
  }

  /** Whether a query with this token may be answered from the cache. */
  private answers(token: string | null | undefined): boolean {
    if (token === undefined || token === null) return true;
    try {
      return decodeConsistencyToken(token) <= this.position;
    } catch {
      return false; // not a token: the read-service says so, with its coded error
    }
  }

  changed(notice: ViewChange): void {
    const change = notice as ViewChange<View>;
    const key = keyOf(change.tenant, change.key);
    const mark = this.pending.get(key);
    if (mark) mark.latest = newer(change.data, mark.latest) ?? undefined;
    const row = this.rows.get(key);
    if (row !== undefined) this.rows.set(key, newer(change.data, row));
  }

  checkpointed(position: number): void {
    this.position = Math.max(this.position, position);
  }

  resync(): void {
    this.reset();
  }

  private put(key: string, row: View | null): void {
    if (!this.rows.has(key) && this.rows.size >= (this.options.capacity ?? DEFAULT_CAPACITY)) {
      this.rows.delete(this.rows.keys().next().value!); // the oldest entry
    }
    this.rows.set(key, row);
  }

  private reset(): void {
    this.epoch += 1;
    this.rows.clear();
    for (const mark of this.pending.values()) mark.latest = undefined;
    this.pending.clear();
    this.flights.clear();
  }
}

function keyOf(tenant: string, id: string): string {
  return `${tenant}\u0000${id}`;
}

/** The newer of two versions of a row (by revision); a row is newer than none. */
function newer<View extends CachedView>(a: View | null, b: View | null | undefined): View | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return b.revision > a.revision ? b : a;
}
