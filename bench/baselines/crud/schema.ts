/**
 * The CRUD baseline's GraphQL schema, written by hand as SDL: the operations and fields the bench
 * uses, with the same names and compatible types as the project's contract, so the same request
 * builders and fixtures drive it.
 */
export const typeDefs = /* GraphQL */ `
  scalar Decimal

  type CommandResult {
    aggregateId: ID!
    version: Int!
    "No events here: the id and version, for request shapes that ask for it."
    consistencyToken: String!
    replayed: Boolean!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type Product {
    id: ID!
    sku: String!
    title: String!
    description: String
    category: String!
    price: Decimal!
    availableQuantity: Int!
    inStock: Boolean!
    version: Int!
  }
  type ProductEdge {
    cursor: String!
    node: Product!
  }
  type ProductConnection {
    edges: [ProductEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }
  input ProductFilter {
    category: String
    inStock: Boolean
    minPrice: Decimal
    maxPrice: Decimal
  }

  type Customer {
    id: ID!
    name: String!
    email: String!
    region: String!
    version: Int!
  }

  type OrderLine {
    productId: ID!
    quantity: Int!
    unitPrice: Decimal!
    lineTotal: Decimal!
    product: Product
  }
  type Order {
    id: ID!
    customerId: ID!
    status: String!
    lines: [OrderLine!]!
    total: Decimal!
    version: Int!
  }

  type Query {
    product(id: ID!, consistencyToken: String): Product
    products(filter: ProductFilter, search: String, first: Int, consistencyToken: String): ProductConnection!
    order(id: ID!, consistencyToken: String): Order
  }

  input CreateProductInput {
    idempotencyKey: String
    id: ID
    sku: String!
    title: String!
    description: String
    category: String!
    price: Decimal!
    initialStock: Int
  }
  input RestockProductInput {
    idempotencyKey: String
    id: ID!
    quantity: Int!
  }
  input RegisterCustomerInput {
    idempotencyKey: String
    id: ID
    name: String!
    email: String!
    region: String!
  }
  input OrderLineInput {
    productId: ID!
    quantity: Int!
  }
  input PlaceOrderInput {
    idempotencyKey: String
    id: ID
    customerId: ID!
    lines: [OrderLineInput!]!
  }

  type Mutation {
    createProduct(input: CreateProductInput!): CommandResult!
    restockProduct(input: RestockProductInput!): CommandResult!
    registerCustomer(input: RegisterCustomerInput!): CommandResult!
    "Checks and takes the stock in the same transaction (row locks): the order is CONFIRMED or the mutation fails."
    placeOrder(input: PlaceOrderInput!): CommandResult!
  }
`;
