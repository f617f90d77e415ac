export interface AddReview {
  type: 'AddReview';
  productId: string;
  customerId: string;
  rating: number;
  comment: string | null;
  /** Whether the product and the customer exist on the write side. */
  productExists: boolean;
  customerExists: boolean;
  now: string;
}

export type ReviewCommand = AddReview;
