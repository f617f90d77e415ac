import { AppError, ErrorCode, type ViewChange } from '../../schema/index.js';
import { PushQueue } from './push-queue.js';
import type { FeedListener, Resync } from './view-feed.js';
import type { ViewHub } from './view-hub.js';

export interface WatchOptions<View extends { version: number }> {
  hub: ViewHub;
  tenant: string;
  view: string;
  /** A key, or ANY_KEY for every key of the view. */
  key: string;
  /**
   * The current view (honouring the subscription's consistency token). Absent: the
   * subscription emits changes only.
   */
  loadCurrent?(): Promise<View | null>;
  /**
   * The rows as they are now, read again after notices went missing; given the rows emitted so
   * far (by `rowOf`). Default: `loadCurrent`. Absent both: nothing is read again.
   */
  reload?(rows: readonly string[]): Promise<readonly View[]>;
  /**
   * Which row a view is, when one topic carries several rows (sales of many days, or of every
   * region): versions only order the changes of one row. Absent: the topic is one row.
   */
  rowOf?(view: View): string;
}

const ONE_ROW = '';
/** Rows whose changes are held while the view is read (the newest change of each); past it the view is read again. */
const HELD_ROWS = 256;
/** Attempts at reading the view again after missed notices before the subscription ends with SERVICE_UNAVAILABLE. */
const RELOAD_ATTEMPTS = 4;

/**
 * Where a loaded view stands in its row's history, comparable to notice versions: its
 * `revision` when the read-service sends one (views that change without their aggregate's
 * version: a customer's orders, a product's reviews), else its `version`.
 */
function revisionOf(view: { version: number }): number {
  const revision = (view as { revision?: unknown }).revision;
  return typeof revision === 'number' ? revision : view.version;
}

/**
 * A live view: the current row first (when it exists), then every change with a higher version
 * than the last emitted of its row, in arrival order. It listens before it loads, so that no
 * change between the two is lost (changes that arrive during a load are held, the newest per
 * row); a failure to load (bad input, CONSISTENCY_TIMEOUT) fails the subscription before it
 * starts. When its feed says notices went missing, it reads the view again and emits it if it
 * is newer than what it emitted, so it ends at the current view and never goes back.
 */
export async function watchView<View extends { version: number }>(options: WatchOptions<View>): Promise<AsyncIterable<View>> {
  const watcher = new Watcher(options);
  const unlisten = await options.hub.listen(options.tenant, options.view, options.key, watcher);
  watcher.onEnd(unlisten);
  try {
    await watcher.begin();
  } catch (error) {
    unlisten();
    throw error;
  }
  return watcher.queue;
}

/**
 * One subscriber's state. A class, not closures: there is one per subscriber, and memory per
 * subscriber is a target.
 */
class Watcher<View extends { version: number }> implements FeedListener {
  readonly queue: PushQueue<View>;
  /** The last version emitted, per row. */
  private readonly last = new Map<string, number>();
  /** Changes that arrived during a load, the newest per row; undefined when no load runs. */
  private held: Map<string, ViewChange<View>> | undefined;
  /** A resync asked for while a load ran: read again after it ('reset' wins over 'gap'). */
  private again: Resync | undefined;
  private unlisten: () => void = () => undefined;

  constructor(private readonly options: WatchOptions<View>) {
    this.queue = new PushQueue<View>(() => this.unlisten(), slowSubscriber);
  }

  onEnd(unlisten: () => void): void {
    this.unlisten = unlisten;
  }

  /** The current view, then the changes held meanwhile. */
  async begin(): Promise<void> {
    this.held = new Map();
    const current = this.options.loadCurrent ? await this.options.loadCurrent() : null;
    if (current) this.emit(current, revisionOf(current));
    this.release();
  }

  changed(change: ViewChange): void {
    const typed = change as ViewChange<View>;
    if (!this.held) {
      this.emit(typed.data, typed.version);
      return;
    }
    const row = this.rowOf(typed.data);
    const held = this.held.get(row);
    if (held && held.version >= typed.version) return;
    if (!held && this.held.size >= HELD_ROWS) {
      this.held.clear();
      this.again ??= 'gap'; // too much to hold: what it would have held is read again instead
      return;
    }
    this.held.set(row, typed);
  }

  resync(kind: Resync): void {
    if (!this.options.reload && !this.options.loadCurrent) return;
    if (this.held) {
      this.again = this.again === 'reset' ? 'reset' : kind;
      return;
    }
    void this.reload(kind);
  }

  private async reload(kind: Resync): Promise<void> {
    this.held = new Map();
    let views: readonly View[] | undefined;
    for (let attempt = 1; views === undefined; attempt += 1) {
      try {
        views = await this.read();
      } catch (error) {
        if (attempt >= RELOAD_ATTEMPTS) {
          this.held = undefined;
          this.queue.fail(
            new AppError(
              ErrorCode.SERVICE_UNAVAILABLE,
              `the live view missed changes and could not be read again (${(error as Error).message}); subscribe again`,
            ),
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 4 ** attempt));
      }
    }
    for (const view of views) this.adopt(view, kind);
    this.release();
  }

  private async read(): Promise<readonly View[]> {
    if (this.options.reload) return this.options.reload([...this.last.keys()]);
    const current = await this.options.loadCurrent!();
    return current ? [current] : [];
  }

  /** The held changes, in order of their rows' arrival; then the resync asked for meanwhile, if any. */
  private release(): void {
    const held = this.held;
    this.held = undefined;
    for (const change of held?.values() ?? []) this.emit(change.data, change.version);
    const again = this.again;
    this.again = undefined;
    if (again) this.resync(again);
  }

  /**
   * A view read again: emitted when newer than what was emitted, unless a change of its row
   * held meanwhile is as new (that one is emitted instead: other subscribers have the very same
   * object, so it is executed once for all of them). After a reset (a rebuild) a row may come
   * back numbered lower: it is the current view all the same, and what follows it is numbered
   * after it, so its number becomes the row's and it is emitted.
   */
  private adopt(view: View, kind: Resync): void {
    const revision = revisionOf(view);
    const row = this.rowOf(view);
    const held = this.held?.get(row);
    const superseded = held !== undefined && held.version >= revision;
    const last = this.last.get(row);
    if (kind === 'reset' && last !== undefined && revision < last) {
      this.last.set(row, revision);
      if (!superseded) this.queue.push(view);
      return;
    }
    if (!superseded) this.emit(view, revision);
  }

  private emit(view: View, version: number): void {
    const row = this.rowOf(view);
    if (version <= (this.last.get(row) ?? 0)) return;
    this.last.set(row, version);
    this.queue.push(view);
  }

  private rowOf(view: View): string {
    return this.options.rowOf ? this.options.rowOf(view) : ONE_ROW;
  }
}

function slowSubscriber(): Error {
  return new AppError(ErrorCode.RATE_LIMITED, 'the subscription fell more than 1,024 changes behind; subscribe again');
}
