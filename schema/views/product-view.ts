/** The product read model as the read-service answers it and pushes its changes. */
export interface ProductView {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  /** Decimal string. */
  price: string;
  /** ISO 4217 code of `price`. */
  currency: string;
  availableQuantity: number;
  inStock: boolean;
  averageRating: number | null;
  reviewCount: number;
  discontinued: boolean;
  version: number;
  updatedAt: string;
  /** Bumped by every change of the row, also those from other aggregates (reviews, orders): subscribers order changes by it. */
  revision: number;
}

export const PRODUCT_VIEW = 'product';
/** The projection that keeps the product view (its checkpoint and notices). */
export const PRODUCT_PROJECTION = 'product_view';
