import DataLoader from 'dataloader';
import type { ProductView } from '../schema/views/product-view.js';
import type { Principal } from './auth.js';
import type { Bus, CallContext } from './bus.js';
import type { ViewHub } from './subscriptions/view-hub.js';

/** What every resolver sees: who asks, the correlation id, the bus and per-request loaders. */
export interface GatewayContext extends CallContext {
  bus: Bus;
  views: ViewHub;
  /** Product lookups by id, batched into one read-service request per tick (and per token). */
  productLoader(consistencyToken?: string | null): DataLoader<string, ProductView | null>;
}

export function createContext(principal: Principal, correlationId: string, bus: Bus, views: ViewHub): GatewayContext {
  const loaders = new Map<string, DataLoader<string, ProductView | null>>();
  const context: GatewayContext = {
    principal,
    correlationId,
    bus,
    views,
    productLoader(token) {
      const key = token ?? '';
      let loader = loaders.get(key);
      if (!loader) {
        loader = new DataLoader<string, ProductView | null>(
          (ids) => bus.query<(ProductView | null)[]>('productsByIds', { ids }, context, token),
          { maxBatchSize: 500 },
        );
        loaders.set(key, loader);
      }
      return loader;
    },
  };
  return context;
}
