/**
 * What a client sends for each mutation, as it crosses NATS from the gateway to the
 * write-service (`<ns>.command.<name>`): the contract's input objects, JSON-safe (decimals as
 * strings, ids as strings). The gateway's GraphQL input classes implement these; the
 * write-service still checks every field (JSON from the wire is not trusted) and answers
 * BAD_USER_INPUT naming the field.
 */
interface Keyed {
  /** Repeating a request with the same key (per tenant) answers the first result. */
  idempotencyKey?: string | null;
}

interface Versioned {
  /** Optimistic concurrency: refused with CONCURRENCY_CONFLICT unless the aggregate is at this version. */
  expectedVersion?: number | null;
}

export interface CreateProductInput extends Keyed {
  /** Chosen by the client (a UUID), or generated. */
  id?: string | null;
  sku: string;
  title: string;
  description?: string | null;
  category: string;
  /** Decimal string, e.g. "19.99". */
  price: string;
  /** ISO 4217 code of the price, three capital letters; USD when absent. */
  currency?: string | null;
  initialStock?: number | null;
}

export interface RenameProductInput extends Keyed, Versioned {
  id: string;
  title: string;
}

export interface ChangeProductPriceInput extends Keyed, Versioned {
  id: string;
  price: string;
}

export interface RestockProductInput extends Keyed {
  id: string;
  quantity: number;
}

export interface DiscontinueProductInput extends Keyed, Versioned {
  id: string;
}

export interface RegisterCustomerInput extends Keyed {
  id?: string | null;
  name: string;
  email: string;
  region: string;
}

export interface OrderLineInput {
  productId: string;
  quantity: number;
}

export interface PlaceOrderInput extends Keyed {
  id?: string | null;
  customerId: string;
  lines: OrderLineInput[];
}

export interface PayOrderInput extends Keyed {
  id: string;
  amount: string;
}

export interface ShipOrderInput extends Keyed {
  id: string;
}

export interface CancelOrderInput extends Keyed {
  id: string;
  reason?: string | null;
}

export interface AddReviewInput extends Keyed {
  productId: string;
  customerId: string;
  rating: number;
  comment?: string | null;
}

/** Adds a product to a customer's wishlist, or removes it (both idempotent by nature: no second effect). */
export interface WishlistItemInput extends Keyed {
  customerId: string;
  productId: string;
}

/** Every mutation's input by the mutation's name: the gateway sends `CommandInputs[N]` on `<ns>.command.<N>`. */
export interface CommandInputs {
  createProduct: CreateProductInput;
  renameProduct: RenameProductInput;
  changeProductPrice: ChangeProductPriceInput;
  restockProduct: RestockProductInput;
  discontinueProduct: DiscontinueProductInput;
  registerCustomer: RegisterCustomerInput;
  placeOrder: PlaceOrderInput;
  payOrder: PayOrderInput;
  shipOrder: ShipOrderInput;
  cancelOrder: CancelOrderInput;
  addReview: AddReviewInput;
  addToWishlist: WishlistItemInput;
  removeFromWishlist: WishlistItemInput;
}

export type CommandName = keyof CommandInputs;

/** The body of a command request: who asks, and the mutation's input. */
export interface CommandMessage<Name extends CommandName = CommandName> {
  tenant: string;
  userId: string;
  /** The caller's `roles` claim: the write-service authorizes the command again on it (absent: no role). */
  roles: string[];
  correlationId: string;
  input: CommandInputs[Name];
}

/** What every command answers (the contract's CommandResult). */
export interface CommandResult {
  aggregateId: string;
  version: number;
  consistencyToken: string;
  correlationId: string;
  replayed: boolean;
}
