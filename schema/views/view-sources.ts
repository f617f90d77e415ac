import { CUSTOMER_VIEW, ORDER_VIEW, SALES_VIEW } from './commerce-views.js';
import { PRODUCT_PROJECTION, PRODUCT_VIEW } from './product-view.js';

/**
 * Each projection's name, defined once: its checkpoint, durable consumer, leader lock and notice
 * subjects, and what a query names when it waits for a consistency token.
 */
export const PROJECTIONS = {
  product: PRODUCT_PROJECTION,
  order: 'order_view',
  customer: 'customer_view',
  sales: 'regional_sales',
  topProducts: 'top_products',
  wishlist: 'wishlist_view',
} as const;

/**
 * The projection that announces each view the gateway follows: its checkpoint notices and its
 * view changes share one notice sequence, which a follower checks for gaps.
 */
export const VIEW_PROJECTIONS: Readonly<Record<string, string>> = {
  [PRODUCT_VIEW]: PROJECTIONS.product,
  [ORDER_VIEW]: PROJECTIONS.order,
  [CUSTOMER_VIEW]: PROJECTIONS.customer,
  [SALES_VIEW]: PROJECTIONS.sales,
};
