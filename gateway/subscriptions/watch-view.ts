import { Repeater } from '@graphql-yoga/subscription';
import type { ViewChange } from '../../schema/views/view-change.js';
import type { ViewHub } from './view-hub.js';

export interface WatchOptions<View extends { version: number }> {
  hub: ViewHub;
  tenant: string;
  view: string;
  key: string;
  /** The current view (honouring the subscription's consistency token). */
  loadCurrent(): Promise<View | null>;
}

/**
 * A live view: the current row first (when it exists), then every change with a higher version,
 * in version order. Listens before loading, so that no change between the two is lost; a
 * failure to load (bad input, CONSISTENCY_TIMEOUT) fails the subscription before it starts.
 */
export async function watchView<View extends { version: number }>(options: WatchOptions<View>): Promise<AsyncIterable<View>> {
  const early: ViewChange<View>[] = [];
  let deliver: ((change: ViewChange<View>) => void) | undefined;
  const unlisten = options.hub.listen(options.tenant, options.view, options.key, (change) => {
    if (deliver) deliver(change as ViewChange<View>);
    else early.push(change as ViewChange<View>);
  });
  let current: View | null;
  try {
    current = await options.loadCurrent();
  } catch (error) {
    unlisten();
    throw error;
  }
  return new Repeater<View>(async (push, stop) => {
    let lastVersion = 0;
    const emit = (view: View) => {
      if (view.version <= lastVersion) return;
      lastVersion = view.version;
      void push(view);
    };
    if (current) emit(current);
    for (const change of early) emit(change.data);
    deliver = (change) => emit(change.data);
    await stop;
    unlisten();
  });
}
