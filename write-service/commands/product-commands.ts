import type { ProductCommand } from '../../schema/commands/product-commands.js';
import { PRODUCT } from '../../schema/events/product-events.js';
import { MAX_EXPECTED_VERSION, MAX_LINE_QUANTITY, MAX_PRODUCT_STOCK, MAX_RESTOCK_QUANTITY } from '../../schema/limits.js';
import {
  optionalNonNegativeInt,
  optionalString,
  requirePositiveInt,
  requirePrice,
  requireSku,
  requireString,
  requireUuid,
} from '../../schema/validation.js';
import { productDecider } from '../domain/product.js';
import type { CommandDefinition, ParsedCommand } from './command-definition.js';

type ProductCommandDefinition = CommandDefinition<ProductCommand>;

function define(name: string, parse: ProductCommandDefinition['parse']): ProductCommandDefinition {
  return { name, aggregateType: PRODUCT, decider: productDecider, parse };
}

function withExpectedVersion<C>(parsed: ParsedCommand<C>, raw: unknown): ParsedCommand<C> {
  const expectedVersion = optionalNonNegativeInt(raw, 'expectedVersion', MAX_EXPECTED_VERSION);
  return expectedVersion === undefined ? parsed : { ...parsed, expectedVersion };
}

export const productCommands: ProductCommandDefinition[] = [
  define('createProduct', (input, { now, newId }) => {
    const productId = input.id === undefined || input.id === null ? newId() : requireUuid(input.id, 'id');
    return {
      aggregateId: productId,
      command: {
        type: 'CreateProduct',
        productId,
        sku: requireSku(input.sku),
        title: requireString(input.title, 'title', { max: 200 }),
        description: optionalString(input.description, 'description', 5000),
        category: requireString(input.category, 'category', { max: 64 }),
        price: requirePrice(input.price),
        initialStock: optionalNonNegativeInt(input.initialStock, 'initialStock', MAX_PRODUCT_STOCK) ?? 0,
        now,
      },
    };
  }),
  define('renameProduct', (input, { now }) => {
    const productId = requireUuid(input.id, 'id');
    const title = requireString(input.title, 'title', { max: 200 });
    return withExpectedVersion(
      { aggregateId: productId, command: { type: 'RenameProduct', productId, title, now } },
      input.expectedVersion,
    );
  }),
  define('changeProductPrice', (input, { now }) => {
    const productId = requireUuid(input.id, 'id');
    const price = requirePrice(input.price);
    return withExpectedVersion(
      { aggregateId: productId, command: { type: 'ChangeProductPrice', productId, price, now } },
      input.expectedVersion,
    );
  }),
  define('restockProduct', (input, { now }) => {
    const productId = requireUuid(input.id, 'id');
    const quantity = requirePositiveInt(input.quantity, 'quantity', MAX_RESTOCK_QUANTITY);
    return { aggregateId: productId, command: { type: 'RestockProduct', productId, quantity, now } };
  }),
  define('discontinueProduct', (input, { now }) => {
    const productId = requireUuid(input.id, 'id');
    return withExpectedVersion({ aggregateId: productId, command: { type: 'DiscontinueProduct', productId, now } }, input.expectedVersion);
  }),
];

/** Saga steps on products: not served to clients. */
export const reserveStock: ProductCommandDefinition = define('reserveStock', (input, { now }) => {
  const productId = requireUuid(input.id, 'id');
  const orderId = requireUuid(input.orderId, 'orderId');
  return {
    aggregateId: productId,
    command: { type: 'ReserveStock', productId, orderId, quantity: requirePositiveInt(input.quantity, 'quantity', MAX_LINE_QUANTITY), now },
  };
});

export const releaseStock: ProductCommandDefinition = define('releaseStock', (input, { now }) => {
  const productId = requireUuid(input.id, 'id');
  return { aggregateId: productId, command: { type: 'ReleaseStock', productId, orderId: requireUuid(input.orderId, 'orderId'), now } };
});
