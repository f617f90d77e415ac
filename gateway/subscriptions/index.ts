// Live views (docs/decisions.md #16, #23, #29): one feed per view, a queue per subscriber, one
// execution per group of identical subscriptions. The view cache (#15) follows the same feeds.
export { ANY_KEY } from './view-feed.js';
export { ViewHub } from './view-hub.js';
export { watchView } from './watch-view.js';
export { PushQueue } from './push-queue.js';
export { createSharedSubscribe, type DirectTarget } from './shared-subscribe.js';
export { mapAsyncIterable } from './map-async-iterable.js';
