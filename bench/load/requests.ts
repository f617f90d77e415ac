/**
 * What a load worker sends: GraphQL operations built from fixtures (ids created before the
 * run), one builder per request kind.
 */
export interface Fixtures {
  productIds: string[];
  customerIds: string[];
  orderIds: string[];
  /** The tenant the ids belong to, for APIs that take it as an argument (PostGraphile's lookups by primary key). */
  tenant?: string;
}

export interface BuiltRequest {
  body: string;
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

export type RequestKind =
  | 'commandMix'
  | 'createProduct'
  | 'restockProduct'
  | 'placeOrder'
  | 'productById'
  | 'productSearch'
  | 'orderWithLines'
  | 'constantProduct'
  | 'bare'
  | 'postgraphileProductById'
  | 'postgraphileProductSearch';

export function buildRequest(kind: RequestKind, i: number, fixtures: Fixtures, salt: string): BuiltRequest {
  const json = (query: string, variables: Record<string, unknown> = {}) => ({ body: JSON.stringify({ query, variables }) });
  switch (kind) {
    case 'commandMix': {
      const which = i % 3 === 0 ? 'createProduct' : i % 3 === 1 ? 'restockProduct' : 'placeOrder';
      return buildRequest(which, i, fixtures, salt);
    }
    case 'createProduct':
      return json('mutation($input: CreateProductInput!) { createProduct(input: $input) { aggregateId version consistencyToken } }', {
        input: {
          sku: `B-${salt}-${i}`.toUpperCase().slice(0, 32),
          title: `Bench item ${i}`,
          category: `bench-${i % 8}`,
          price: `${1 + (i % 90)}.99`,
          initialStock: 100,
        },
      });
    case 'restockProduct':
      return json('mutation($input: RestockProductInput!) { restockProduct(input: $input) { version consistencyToken } }', {
        input: { id: pick(fixtures.productIds, i * 7), quantity: 1 },
      });
    case 'placeOrder':
      return json('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { version consistencyToken } }', {
        input: { customerId: pick(fixtures.customerIds, i), lines: [{ productId: pick(fixtures.productIds, i * 13 + 1), quantity: 1 }] },
      });
    case 'productById':
    case 'constantProduct':
      return json('query($id: ID!) { product(id: $id) { id sku title price availableQuantity inStock version } }', {
        id: pick(fixtures.productIds, i),
      });
    case 'productSearch':
      return json(
        'query($s: String) { products(search: $s, filter: { inStock: true, minPrice: "1.00" }, first: 10) { totalCount edges { node { id title price } } } }',
        {
          s: pick(['mug', 'lantern', 'bench', 'chair', 'lamp'], i),
        },
      );
    case 'orderWithLines':
      return json('query($id: ID!) { order(id: $id) { id status total lines { quantity lineTotal product { id title price } } } }', {
        id: pick(fixtures.orderIds, i),
      });
    case 'bare':
      return { body: '{}' };
    // PostGraphile's own shapes for the same questions over product_view: the lookup by primary
    // key (tenant, id), and the search as a SQL function it exposes as a connection.
    case 'postgraphileProductById':
      return json(
        'query($tenant: String!, $id: UUID!) { productViewByTenantAndRowId(tenant: $tenant, rowId: $id) { rowId sku title price availableQuantity discontinued version } }',
        {
          tenant: fixtures.tenant,
          id: pick(fixtures.productIds, i),
        },
      );
    case 'postgraphileProductSearch':
      return json(
        'query($tenant: String!, $s: String!) { searchProducts(tenant: $tenant, search: $s, inStock: true, minPrice: "1.00", first: 10) { totalCount nodes { rowId title price } } }',
        {
          tenant: fixtures.tenant,
          s: pick(['mug', 'lantern', 'bench', 'chair', 'lamp'], i),
        },
      );
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
}
