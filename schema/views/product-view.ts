/** The product read model as the read-service answers it and pushes its changes. */
export interface ProductView {
  id: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  /** Decimal string. */
  price: string;
  availableQuantity: number;
  inStock: boolean;
  averageRating: number | null;
  reviewCount: number;
  discontinued: boolean;
  version: number;
  updatedAt: string;
}

export const PRODUCT_VIEW = 'product';
