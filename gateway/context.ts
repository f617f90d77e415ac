import DataLoader from 'dataloader';
import type { ProductView } from '../schema/index.js';
import type { Principal } from './auth.js';
import type { Bus, CallContext } from './bus.js';
import type { ViewHub } from './subscriptions/view-hub.js';
import type { CachedView, ViewCache } from './view-cache/view-cache.js';

type ByIdLoader<View> = (consistencyToken?: string | null) => DataLoader<string, View | null>;

/** What every resolver sees: who asks, the correlation id, the bus, the live views and the loaders. */
export interface GatewayContext extends CallContext {
  bus: Bus;
  views: ViewHub;
  loaders: Loaders;
  /**
   * The consistency token a view object was read with, so that what is resolved from it
   * (order.customer, order.lines.product, topProducts.product) is read with the same token.
   */
  readTokens: WeakMap<object, string>;
}

/** Views the gateway keeps in memory (see ViewCache); absent: every lookup asks the read-service. */
export interface ViewCaches {
  products?: ViewCache<ProductView>;
}

/** What every context shares, whoever asks. */
export interface ContextSources {
  bus: Bus;
  views: ViewHub;
  caches: ViewCaches;
}

/** Lookups by id, each batched into one read-service request per tick (and per token). One line per view. */
function loadersOf(context: () => GatewayContext, caches: ViewCaches) {
  return {
    product: byIdLoader(context, (ctx, ids, token) => ctx.bus.query('productsByIds', { ids }, ctx, token), caches.products),
    customer: byIdLoader(context, (ctx, ids, token) => ctx.bus.query('customersByIds', { ids }, ctx, token)),
  };
}
type Loaders = ReturnType<typeof loadersOf>;

/** The context of one HTTP request or one WebSocket subscription. */
export function createContext(principal: Principal, correlationId: string, { bus, views, caches }: ContextSources): GatewayContext {
  const context: GatewayContext = {
    principal,
    correlationId,
    bus,
    views,
    loaders: loadersOf(() => context, caches),
    readTokens: new WeakMap(),
  };
  return context;
}

/** A `<view>sByIds` query: the rows of `ids`, aligned with them (null: no such row). */
type FetchByIds<View> = (ctx: GatewayContext, ids: string[], token: string | null | undefined) => Promise<(View | null)[]>;

/**
 * One DataLoader per consistency token over a `<view>sByIds` query, through the view's cache
 * when the gateway keeps one. Batches per tick and asks each id once per batch, but keeps no
 * cache between batches: a subscription keeps its context for its whole life, and a cache would
 * freeze the nested views (order.customer, line.product) at their first value.
 */
function byIdLoader<View extends CachedView>(
  context: () => GatewayContext,
  fetchByIds: FetchByIds<View>,
  cache?: ViewCache<View>,
): ByIdLoader<View> {
  const loaders = new Map<string, DataLoader<string, View | null>>();
  return (token) => {
    const key = token ?? '';
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader<string, View | null>(
        async (ids) => {
          const ctx = context();
          const distinct = [...new Set(ids)];
          const fetch = (ids: string[]) => fetchByIds(ctx, ids, token);
          // The cache compares positions: it takes the read-service's form of the token.
          const answers = cache
            ? await cache.load(ctx.principal.tenant, distinct, token ? ctx.bus.openToken(token) : token, fetch)
            : await fetch(distinct);
          const byId = new Map(distinct.map((id, i) => [id, answers[i] ?? null]));
          return ids.map((id) => byId.get(id) ?? null);
        },
        { cache: false, maxBatchSize: 500 },
      );
      loaders.set(key, loader);
    }
    return loader;
  };
}
