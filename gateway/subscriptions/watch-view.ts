import { AppError, ErrorCode } from '../../schema/errors.js';
import { toGraphQLError } from '../errors.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { PushQueue } from './push-queue.js';
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
   * Which row a view is, when one topic carries several rows (sales of many days, or of every
   * region): versions only order the changes of one row. Absent: the topic is one row.
   */
  rowOf?(view: View): string;
}

const ONE_ROW = '';

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
 * than the last emitted of its row, in arrival order. Listens before loading, so that no change
 * between the two is lost; a failure to load (bad input, CONSISTENCY_TIMEOUT) fails the
 * subscription before it starts.
 *
 * A change is ordered by the notice's version, which increases with every change of its row;
 * the loaded view by `revisionOf`, the same number as the read-service answers it.
 */
export async function watchView<View extends { version: number }>(options: WatchOptions<View>): Promise<AsyncIterable<View>> {
  const early: ViewChange<View>[] = [];
  let deliver: ((change: ViewChange<View>) => void) | undefined;
  const unlisten = options.hub.listen(options.tenant, options.view, options.key, (change) => {
    if (deliver) deliver(change as ViewChange<View>);
    else early.push(change as ViewChange<View>);
  });
  let current: View | null = null;
  if (options.loadCurrent) {
    try {
      current = await options.loadCurrent();
    } catch (error) {
      unlisten();
      throw error;
    }
  }
  const rowOf = options.rowOf ?? (() => ONE_ROW);
  const queue = new PushQueue<View>(unlisten, slowSubscriber);
  const lastVersions = new Map<string, number>();
  const emit = (view: View, version: number) => {
    const row = rowOf(view);
    if (version <= (lastVersions.get(row) ?? 0)) return;
    lastVersions.set(row, version);
    queue.push(view);
  };
  if (current) emit(current, revisionOf(current));
  for (const change of early) emit(change.data, change.version);
  early.length = 0;
  deliver = (change) => emit(change.data, change.version);
  return queue;
}

function slowSubscriber(): Error {
  return toGraphQLError(new AppError(ErrorCode.RATE_LIMITED, 'the subscription fell more than 1,024 changes behind; subscribe again'));
}
