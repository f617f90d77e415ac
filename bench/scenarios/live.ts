import type { TestSystem } from '../../tests/support/system.js';
import { createProducts } from '../harness/fixtures.js';
import { measureLiveViews, type LiveViewsFigures } from '../harness/live-views.js';
import type { ScenarioContext } from './scenario-context.js';

/**
 * Group 'live', live views: thousands of graphql-ws subscribers spread over 1,000 products (100
 * changes/s), then all on one product (1 change/s), then the same on a bare WebSocket broadcaster.
 * Restarts the gateway, so it runs after the groups that drive the system's own load.
 */
export async function runLiveViews({ quick, step, salt, log, settle }: ScenarioContext, system: TestSystem): Promise<LiveViewsFigures[]> {
  const liveViews: LiveViewsFigures[] = [];
  await settle();
  const spread = await createProducts(system.graphqlUrl, 1000, `LV-${salt}`.toUpperCase());
  const hot = await createProducts(system.graphqlUrl, 1, `HOT-${salt}`.toUpperCase());
  const most = quick ? 1000 : 10_000;
  const phases = [
    ...(quick ? [1000] : [1000, 5000, 10_000]).map((subscribers) => ({ productIds: spread, subscribers, changesPerSecond: 100 })),
    ...(quick ? [1000] : [1000, 10_000]).map((subscribers) => ({ productIds: hot, subscribers, changesPerSecond: 1 })),
    // The limit of the parts: the same subscribers on a bare WebSocket broadcaster of the same notices.
    { productIds: spread, subscribers: most, changesPerSecond: 100, baseline: true },
    { productIds: hot, subscribers: most, changesPerSecond: 1, baseline: true },
  ];
  for (const phase of phases) {
    await settle();
    const figures = await measureLiveViews({
      system,
      durationS: Math.min(step, 10),
      salt: `${salt}lv${liveViews.length}`,
      ...phase,
    });
    liveViews.push(figures);
    log(
      `  live views (${figures.server}) ${figures.shape} ${figures.subscribers} subscribers: push p50 ${figures.push.p50} p99 ${figures.push.p99} ms, delivered ${figures.delivered}, lost ${figures.lost}, reordered ${figures.reordered}, ${figures.kibPerSubscriber} KiB/subscriber`,
    );
  }
  return liveViews;
}
