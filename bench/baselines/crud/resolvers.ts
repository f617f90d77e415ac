/**
 * The CRUD baseline's resolvers: each request works in its own forked EntityManager; reads are
 * ORM finds, writes load, change and flush entities (in a transaction with row locks where stock
 * is checked), order lines' products come through a per-request DataLoader.
 */
import DataLoader from 'dataloader';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { LockMode, NotFoundError, raw, UniqueConstraintViolationException, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Customer, Order, OrderLine, Product, TENANT } from './entities.js';

export interface CrudContext {
  em: EntityManager;
  products: DataLoader<string, Product | null>;
}

export function createContext(root: EntityManager): CrudContext {
  const em = root.fork();
  const products = new DataLoader<string, Product | null>(async (ids) => {
    const rows = await em.find(Product, { id: { $in: [...ids] }, tenant: TENANT });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { em, products };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AMOUNT = /^\d{1,10}(\.\d{1,2})?$/;

const fail = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });
const uuid = (value: string, field: string): string => {
  if (!UUID.test(value)) throw fail('BAD_USER_INPUT', `${field} must be a UUID`);
  return value.toLowerCase();
};
const amount = (value: string, field: string): string => {
  if (!AMOUNT.test(value)) throw fail('BAD_USER_INPUT', `${field} must be a decimal with at most 2 places`);
  return value;
};
const toCents = (value: string): number => Math.round(Number(value) * 100);
const fromCents = (cents: number): string => (cents / 100).toFixed(2);
const result = (id: string, version: number) => ({ aggregateId: id, version, consistencyToken: `${id}:${version}`, replayed: false });

interface ProductsArgs {
  filter?: { category?: string | null; inStock?: boolean | null; minPrice?: string | null; maxPrice?: string | null } | null;
  search?: string | null;
  first?: number | null;
}

export const resolvers = {
  Query: {
    product: (_: unknown, { id }: { id: string }, { em }: CrudContext) => em.findOne(Product, { id: uuid(id, 'id'), tenant: TENANT }),

    async products(_: unknown, args: ProductsArgs, { em }: CrudContext) {
      const first = args.first ?? 20;
      if (!Number.isInteger(first) || first < 1 || first > 100) throw fail('BAD_USER_INPUT', 'first must be an integer from 1 to 100');
      const where: FilterQuery<Product> & Record<string, unknown> = { tenant: TENANT };
      const filter = args.filter ?? {};
      if (filter.category !== undefined && filter.category !== null) where.category = filter.category;
      if (filter.inStock !== undefined && filter.inStock !== null) {
        const available: string = raw((alias) => `${alias}.stock - ${alias}.reserved`);
        where[available] = filter.inStock ? { $gt: 0 } : { $lte: 0 };
      }
      const price: Record<string, string> = {};
      if (filter.minPrice !== undefined && filter.minPrice !== null) price.$gte = amount(filter.minPrice, 'filter.minPrice');
      if (filter.maxPrice !== undefined && filter.maxPrice !== null) price.$lte = amount(filter.maxPrice, 'filter.maxPrice');
      if (Object.keys(price).length) where.price = price;
      const search = args.search?.trim();
      if (search) where.search = { $fulltext: search };
      // Most relevant first when searching (as the project's products query), newest otherwise.
      const orderBy: QueryOrderMap<Product> = search
        ? { [raw((alias) => `ts_rank(${alias}.search, plainto_tsquery('english', ?))`, [search])]: 'desc', id: 'asc' }
        : { createdAt: 'desc', id: 'asc' };
      const [items, totalCount] = await em.findAndCount(Product, where, { orderBy, limit: first });
      const edges = items.map((node) => ({ cursor: node.id, node }));
      return { edges, pageInfo: { hasNextPage: totalCount > items.length, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
    },

    order: (_: unknown, { id }: { id: string }, { em }: CrudContext) =>
      em.findOne(Order, { id: uuid(id, 'id'), tenant: TENANT }, { populate: ['lines'] }),
  },

  Product: {
    availableQuantity: (product: Product) => product.stock - product.reserved,
    inStock: (product: Product) => product.stock - product.reserved > 0,
  },

  Order: {
    customerId: (order: Order) => order.customer.id,
    lines: (order: Order) => order.lines.getItems(),
  },

  OrderLine: {
    productId: (line: OrderLine) => line.product.id,
    lineTotal: (line: OrderLine) => fromCents(toCents(line.unitPrice) * line.quantity),
    product: (line: OrderLine, _: unknown, { products }: CrudContext) => products.load(line.product.id),
  },

  Mutation: {
    async createProduct(
      _: unknown,
      {
        input,
      }: {
        input: {
          id?: string | null;
          sku: string;
          title: string;
          description?: string | null;
          category: string;
          price: string;
          initialStock?: number | null;
        };
      },
      { em }: CrudContext,
    ) {
      const product = Object.assign(new Product(), {
        sku: input.sku,
        title: input.title,
        description: input.description ?? null,
        category: input.category,
        price: amount(input.price, 'input.price'),
        stock: input.initialStock ?? 0,
      });
      if (input.id) product.id = uuid(input.id, 'input.id');
      await em.persist(product).flush();
      return result(product.id, product.version);
    },

    async restockProduct(_: unknown, { input }: { input: { id: string; quantity: number } }, { em }: CrudContext) {
      if (!Number.isInteger(input.quantity) || input.quantity < 1) throw fail('BAD_USER_INPUT', 'quantity must be a positive integer');
      const product = await em.transactional(async (tx) => {
        const found = await tx.findOneOrFail(
          Product,
          { id: uuid(input.id, 'input.id'), tenant: TENANT },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        found.stock += input.quantity;
        return found;
      });
      return result(product.id, product.version);
    },

    async registerCustomer(
      _: unknown,
      { input }: { input: { id?: string | null; name: string; email: string; region: string } },
      { em }: CrudContext,
    ) {
      const customer = Object.assign(new Customer(), { name: input.name, email: input.email, region: input.region });
      if (input.id) customer.id = uuid(input.id, 'input.id');
      await em.persist(customer).flush();
      return result(customer.id, customer.version);
    },

    async placeOrder(
      _: unknown,
      { input }: { input: { id?: string | null; customerId: string; lines: { productId: string; quantity: number }[] } },
      { em }: CrudContext,
    ) {
      if (input.lines.length === 0) throw fail('BAD_USER_INPUT', 'an order needs at least one line');
      const order = await em.transactional(async (tx) => {
        const customer = await tx.findOneOrFail(Customer, { id: uuid(input.customerId, 'input.customerId'), tenant: TENANT });
        const ids = [...new Set(input.lines.map((line) => uuid(line.productId, 'productId')))];
        // Locked in id order, so that two orders on the same products cannot deadlock.
        const products = await tx.find(
          Product,
          { id: { $in: ids }, tenant: TENANT },
          { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
        );
        const byId = new Map(products.map((product) => [product.id, product]));
        const placed = Object.assign(new Order(), { customer, status: 'CONFIRMED' });
        if (input.id) placed.id = uuid(input.id, 'input.id');
        let total = 0;
        for (const { productId, quantity } of input.lines) {
          const product = byId.get(productId.toLowerCase());
          if (!product) throw fail('NOT_FOUND', `product ${productId} not found`);
          if (!Number.isInteger(quantity) || quantity < 1) throw fail('BAD_USER_INPUT', 'quantity must be a positive integer');
          if (product.stock - product.reserved < quantity) throw fail('INVALID_STATE', `not enough stock of ${product.sku}`);
          product.stock -= quantity;
          placed.lines.add(Object.assign(new OrderLine(), { order: placed, product, quantity, unitPrice: product.price }));
          total += toCents(product.price) * quantity;
        }
        placed.total = fromCents(total);
        tx.persist(placed);
        return placed;
      });
      return result(order.id, order.version);
    },
  },
};

/** Maps the ORM's errors to codes as the project's API answers them. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof NotFoundError) return { ...formatted, message: 'not found', extensions: { code: 'NOT_FOUND' } };
  if (original instanceof UniqueConstraintViolationException)
    return { ...formatted, message: 'already exists', extensions: { code: 'CONFLICT' } };
  return formatted;
}
