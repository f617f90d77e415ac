/**
 * Product commands: imperative names, inputs already checked for shape by the write-service
 * edge. Time comes in with the command; the domain never reads a clock.
 */
export interface CreateProduct {
  type: 'CreateProduct';
  productId: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  price: string;
  initialStock: number;
  now: string;
}
export interface RenameProduct {
  type: 'RenameProduct';
  productId: string;
  title: string;
  now: string;
}
export interface ChangeProductPrice {
  type: 'ChangeProductPrice';
  productId: string;
  price: string;
  now: string;
}
export interface RestockProduct {
  type: 'RestockProduct';
  productId: string;
  quantity: number;
  now: string;
}
export interface DiscontinueProduct {
  type: 'DiscontinueProduct';
  productId: string;
  now: string;
}

export type ProductCommand =
  CreateProduct | RenameProduct | ChangeProductPrice | RestockProduct | DiscontinueProduct | ReserveStock | ReleaseStock;

/** Saga commands (not exposed through GraphQL): hold or give back stock for an order. */
export interface ReserveStock {
  type: 'ReserveStock';
  productId: string;
  orderId: string;
  quantity: number;
  now: string;
}
export interface ReleaseStock {
  type: 'ReleaseStock';
  productId: string;
  orderId: string;
  now: string;
}
