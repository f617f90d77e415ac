import { type ProductEvent, MAX_PRODUCT_STOCK } from '../../schema/index.js';
import type { Decider } from './decider.js';
import { DomainError } from './domain-error.js';

export interface CreateProduct {
  type: 'CreateProduct';
  productId: string;
  sku: string;
  title: string;
  description: string | null;
  category: string;
  price: string;
  /** ISO 4217 code. */
  currency: string;
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
/** Saga step: hold stock for an order. */
export interface ReserveStock {
  type: 'ReserveStock';
  productId: string;
  orderId: string;
  quantity: number;
  now: string;
}
/** Saga step: give back what an order holds. */
export interface ReleaseStock {
  type: 'ReleaseStock';
  productId: string;
  orderId: string;
  now: string;
}

export type ProductCommand =
  CreateProduct | RenameProduct | ChangeProductPrice | RestockProduct | DiscontinueProduct | ReserveStock | ReleaseStock;

export interface ExistingProduct {
  status: 'active' | 'discontinued';
  id: string;
  sku: string;
  title: string;
  /** In `currency`, which never changes. */
  price: string;
  currency: string;
  /** Units received (initial stock and restocks), at most MAX_PRODUCT_STOCK. */
  stock: number;
  /** Units held per order; available = stock - sum of reservations. */
  reservations: Readonly<Record<string, number>>;
}
export type ProductState = { status: 'absent' } | ExistingProduct;

export function initialState(): ProductState {
  return { status: 'absent' };
}

export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case 'ProductCreated': {
      const { productId, sku, title, price, currency, initialStock } = event.data;
      return { status: 'active', id: productId, sku, title, price, currency, stock: initialStock, reservations: {} };
    }
    case 'ProductRenamed':
      return state.status === 'absent' ? state : { ...state, title: event.data.title };
    case 'ProductPriceChanged':
      return state.status === 'absent' ? state : { ...state, price: event.data.price };
    case 'ProductRestocked':
      return state.status === 'absent' ? state : { ...state, stock: state.stock + event.data.quantity };
    case 'ProductDiscontinued':
      return state.status === 'absent' ? state : { ...state, status: 'discontinued' };
    case 'StockReserved':
      return state.status === 'absent'
        ? state
        : { ...state, reservations: { ...state.reservations, [event.data.orderId]: event.data.quantity } };
    case 'StockReleased': {
      if (state.status === 'absent') return state;
      const { [event.data.orderId]: _released, ...reservations } = state.reservations;
      return { ...state, reservations };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  if (command.type === 'CreateProduct') {
    if (state.status !== 'absent') throw DomainError.alreadyExists('product', command.productId, 'productId');
    const { productId, sku, title, description, category, price, currency, initialStock, now } = command;
    if (initialStock > MAX_PRODUCT_STOCK)
      throw DomainError.ruleViolated('initialStock', `initialStock must be at most ${MAX_PRODUCT_STOCK}`);
    return [
      { type: 'ProductCreated', data: { productId, sku, title, description, category, price, currency, initialStock, createdAt: now } },
    ];
  }
  if (command.type === 'ReleaseStock') {
    // Allowed in any state, and a no-op when nothing is held: the saga may release twice.
    const quantity = state.status === 'absent' ? undefined : state.reservations[command.orderId];
    if (quantity === undefined) return [];
    return [{ type: 'StockReleased', data: { productId: command.productId, orderId: command.orderId, quantity, releasedAt: command.now } }];
  }
  if (command.type === 'ReserveStock') return reserve(command, state);
  const product = requireActive(state, command.productId);
  switch (command.type) {
    case 'RenameProduct':
      return [
        {
          type: 'ProductRenamed',
          data: { productId: product.id, title: command.title, previousTitle: product.title, renamedAt: command.now },
        },
      ];
    case 'ChangeProductPrice':
      return [
        {
          type: 'ProductPriceChanged',
          data: { productId: product.id, price: command.price, previousPrice: product.price, changedAt: command.now },
        },
      ];
    case 'RestockProduct':
      requireRoomFor(product, command.quantity);
      return [{ type: 'ProductRestocked', data: { productId: product.id, quantity: command.quantity, restockedAt: command.now } }];
    case 'DiscontinueProduct':
      return [{ type: 'ProductDiscontinued', data: { productId: product.id, discontinuedAt: command.now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function availableQuantity(product: ExistingProduct): number {
  return product.stock - Object.values(product.reservations).reduce((total, quantity) => total + quantity, 0);
}

/** Holds stock for an order, or refuses with what the saga puts on the order (out of stock, discontinued). */
function reserve(command: ReserveStock, state: ProductState): ProductEvent[] {
  if (state.status === 'absent') throw DomainError.notFound('product', command.productId, 'productId');
  if (state.reservations[command.orderId] !== undefined) return []; // already held for this order
  if (state.status === 'discontinued') throw DomainError.discontinued(command.productId);
  const available = availableQuantity(state);
  if (available < command.quantity) throw DomainError.outOfStock(command.productId, available);
  return [
    {
      type: 'StockReserved',
      data: { productId: command.productId, orderId: command.orderId, quantity: command.quantity, reservedAt: command.now },
    },
  ];
}

/**
 * A product receives at most MAX_PRODUCT_STOCK units in its life, so that its available stock and
 * units sold fit the read columns and GraphQL Ints that serve them (schema/limits.ts). A restock
 * past it is the command's quantity to change, with the most it may add.
 */
function requireRoomFor(product: ExistingProduct, quantity: number): void {
  const room = Math.max(0, MAX_PRODUCT_STOCK - product.stock);
  if (quantity > room) {
    throw DomainError.ruleViolated(
      'quantity',
      `quantity must be at most ${room}: product ${product.id} has received ${product.stock} of the ${MAX_PRODUCT_STOCK} units a product may receive`,
      { maxQuantity: room },
    );
  }
}

function requireActive(state: ProductState, productId: string): ExistingProduct {
  if (state.status === 'absent') throw DomainError.notFound('product', productId, 'productId');
  if (state.status === 'discontinued') throw DomainError.discontinued(productId);
  return state;
}

export const productDecider: Decider<ProductCommand, ProductState, ProductEvent> = { decide, evolve, initialState };
