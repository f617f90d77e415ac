import { CUSTOMER_VIEW, ORDER_VIEW, SALES_VIEW } from './commerce-views.js';
import { PRODUCT_PROJECTION, PRODUCT_VIEW } from './product-view.js';

/**
 * The projection that announces each view the gateway follows: its checkpoint notices and its
 * view changes share one notice sequence, which a follower checks for gaps.
 */
export const VIEW_PROJECTIONS: Readonly<Record<string, string>> = {
  [PRODUCT_VIEW]: PRODUCT_PROJECTION,
  [ORDER_VIEW]: 'order_view',
  [CUSTOMER_VIEW]: 'customer_view',
  [SALES_VIEW]: 'regional_sales',
};
