import {
  PRODUCT,
  type ProductEvent,
  MAX_PRODUCT_STOCK,
  MAX_RESTOCK_QUANTITY,
  DEFAULT_CURRENCY,
  type ChangeProductPriceInput,
  type CreateProductInput,
  type DiscontinueProductInput,
  type RenameProductInput,
  type RestockProductInput,
  optionalCurrency,
  optionalNonNegativeInt,
  optionalString,
  requirePositiveInt,
  requirePrice,
  requireSku,
  requireString,
  requireUuid,
} from '../../schema/index.js';
import { productDecider, type ProductCommand, type ProductState } from '../domain/product.js';
import { idOrNew, optionalExpectedVersion } from './command-input.js';
import { pathsIn, type AggregateDefinition, type Untrusted } from './command-definition.js';

/** Products: the catalog's mutations, and the saga's steps on stock. */
export const productAggregate: AggregateDefinition<ProductCommand, ProductState, ProductEvent, void> = {
  type: PRODUCT,
  decider: productDecider,
  streamId: (command) => command.productId,
  inputId: 'productId',
  commands: {
    CreateProduct: {
      name: 'createProduct',
      parse(input: Untrusted<CreateProductInput>, { now, newId }) {
        const at = pathsIn<CreateProductInput>();
        return {
          command: {
            type: 'CreateProduct',
            productId: idOrNew(input.id, at('id'), newId),
            sku: requireSku(input.sku, at('sku')),
            title: requireString(input.title, at('title'), { max: 200 }),
            description: optionalString(input.description, at('description'), 5000),
            category: requireString(input.category, at('category'), { max: 64 }),
            price: requirePrice(input.price, at('price')),
            currency: optionalCurrency(input.currency, at('currency')) ?? DEFAULT_CURRENCY,
            initialStock: optionalNonNegativeInt(input.initialStock, at('initialStock'), MAX_PRODUCT_STOCK) ?? 0,
            now,
          },
        };
      },
    },
    RenameProduct: {
      name: 'renameProduct',
      parse(input: Untrusted<RenameProductInput>, { now }) {
        const at = pathsIn<RenameProductInput>();
        const productId = requireUuid(input.id, at('id'));
        const title = requireString(input.title, at('title'), { max: 200 });
        return { command: { type: 'RenameProduct', productId, title, now }, ...optionalExpectedVersion(input.expectedVersion) };
      },
    },
    ChangeProductPrice: {
      name: 'changeProductPrice',
      parse(input: Untrusted<ChangeProductPriceInput>, { now }) {
        const at = pathsIn<ChangeProductPriceInput>();
        const productId = requireUuid(input.id, at('id'));
        const price = requirePrice(input.price, at('price'));
        return { command: { type: 'ChangeProductPrice', productId, price, now }, ...optionalExpectedVersion(input.expectedVersion) };
      },
    },
    RestockProduct: {
      name: 'restockProduct',
      parse(input: Untrusted<RestockProductInput>, { now }) {
        const at = pathsIn<RestockProductInput>();
        const productId = requireUuid(input.id, at('id'));
        const quantity = requirePositiveInt(input.quantity, at('quantity'), MAX_RESTOCK_QUANTITY);
        return { command: { type: 'RestockProduct', productId, quantity, now } };
      },
    },
    DiscontinueProduct: {
      name: 'discontinueProduct',
      parse(input: Untrusted<DiscontinueProductInput>, { now }) {
        const productId = requireUuid(input.id, pathsIn<DiscontinueProductInput>()('id'));
        return { command: { type: 'DiscontinueProduct', productId, now }, ...optionalExpectedVersion(input.expectedVersion) };
      },
    },
    ReserveStock: { name: 'reserveStock' },
    ReleaseStock: { name: 'releaseStock' },
  },
};
