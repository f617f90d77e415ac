import type { CustomerView, OrderView, RegionalSalesView, TopProductView } from '../views/commerce-views.js';
import type { ProductView } from '../views/product-view.js';
import type { WishlistView } from '../views/wishlist-view.js';

/** The body of a query request sent by the gateway to the read-service. */
export interface QueryMessage<Args = Record<string, unknown>> {
  tenant: string;
  correlationId: string;
  /** When given, the answer reflects every event up to this token, or fails CONSISTENCY_TIMEOUT. */
  consistencyToken?: string;
  args: Args;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: PageInfo;
  totalCount: number;
}

export type ProductSort = 'RELEVANCE' | 'TITLE' | 'PRICE_ASC' | 'PRICE_DESC' | 'RATING' | 'NEWEST';

export interface ProductsArgs {
  filter?: { category?: string | null; inStock?: boolean | null; minPrice?: string | null; maxPrice?: string | null } | null;
  search?: string | null;
  sort?: ProductSort | null;
  first?: number | null;
  after?: string | null;
}

export interface ProjectionStatus {
  name: string;
  position: string;
  lag: number;
  updatedAt: string | null;
}

export type OrderStatusArg = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'PAID' | 'SHIPPED' | 'CANCELLED';

export interface OrdersArgs {
  customerId?: string | null;
  status?: OrderStatusArg | null;
  first?: number | null;
  after?: string | null;
}

export interface SalesByRegionArgs {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  region?: string | null;
}

export interface TopProductsArgs {
  /** 1-100, default 10. */
  limit?: number | null;
}

/** Every query of the read-service (`<ns>.query.<name>`): its arguments and its answer. */
export interface Queries {
  products: { args: ProductsArgs; answer: Connection<ProductView> };
  productsByIds: { args: { ids: string[] }; answer: (ProductView | null)[] };
  customer: { args: { id: string }; answer: CustomerView | null };
  customersByIds: { args: { ids: string[] }; answer: (CustomerView | null)[] };
  order: { args: { id: string }; answer: OrderView | null };
  orders: { args: OrdersArgs; answer: Connection<OrderView> };
  salesByRegion: { args: SalesByRegionArgs; answer: RegionalSalesView[] };
  topProducts: { args: TopProductsArgs; answer: TopProductView[] };
  projections: { args: Record<string, never>; answer: ProjectionStatus[] };
  wishlist: { args: { customerId: string }; answer: WishlistView };
}
export type QueryName = keyof Queries;
