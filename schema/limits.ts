/**
 * The ranges the write side accepts, decided together with the read columns and GraphQL fields
 * that must hold what they allow (docs/decisions.md, "Value ranges and column types are one
 * decision"). The validators (schema/validation.ts, each command's `parse`) and the domain
 * (write-service/domain) read them from here; the read migrations size their columns for them;
 * tests/integration/accepted-commands-apply.test.ts generates commands at these limits and
 * applies their events through every projection, and read-column-ranges.test.ts checks the
 * columns against them.
 *
 * Money is a decimal string with two decimals, computed in bigint cents (schema/money.ts) and
 * stored as numeric(38, 2). Counts are JavaScript numbers; what a GraphQL `Int` serves must stay
 * within GRAPHQL_INT_MAX.
 */

/** GraphQL `Int` is a 32-bit signed integer: no value served as an Int may exceed it. */
export const GRAPHQL_INT_MAX = 2_147_483_647;

/**
 * Highest unit price: 9,999,999,999.99 (ten integer digits), in cents.
 * Held by: product_view.price, order_view.lines[].unitPrice (jsonb); GraphQL Product.price,
 * OrderLine.unitPrice (Decimal strings, no bound of their own).
 */
export const MAX_PRICE_CENTS = 999_999_999_999n;

/** Most lines an order holds (each product on one line at most). Held by: order_view.lines (jsonb). */
export const MAX_ORDER_LINES = 100;

/**
 * Most units of a product on one order line (and so in one reservation).
 * Held by: order_view.lines[].quantity (jsonb); GraphQL OrderLine.quantity (Int).
 */
export const MAX_LINE_QUANTITY = 10_000;

/**
 * Highest order total: every line at the limits, 100 x 10,000 x 9,999,999,999.99 =
 * 9,999,999,999,990,000.00 (16 integer digits), in cents; also the highest `payOrder` amount.
 * Held by: order_view.total and order_view.lines[].lineTotal; GraphQL Order.total,
 * OrderLine.lineTotal (Decimal).
 * Sums of order totals (customer_view.total_spent, regional_sales.revenue, top_products.revenue;
 * GraphQL Customer.totalSpent, RegionalSales.revenue, TopProduct.revenue) are numeric(38, 2):
 * 36 integer digits, 10^20 orders at this total.
 */
export const MAX_ORDER_TOTAL_CENTS = BigInt(MAX_ORDER_LINES * MAX_LINE_QUANTITY) * MAX_PRICE_CENTS;

/**
 * Most units a product may receive in its life: initial stock plus every restock (the Product
 * aggregate refuses a restock past it, BAD_USER_INPUT on `quantity`). Available stock is at most
 * this (received less held), and so are units sold (a confirmed order holds its units until it
 * is cancelled, which gives them back to stock and takes them back from units sold).
 * Held by: product_view.available_quantity and top_products.units_sold (integer); GraphQL
 * Product.availableQuantity, TopProduct.unitsSold (Int). Also the most `initialStock`.
 */
export const MAX_PRODUCT_STOCK = 2_000_000_000;

/** Most units one restock may add (a typo guard; the product's total is MAX_PRODUCT_STOCK). */
export const MAX_RESTOCK_QUANTITY = 1_000_000;

/** Highest `expectedVersion` a client may give (versions are GraphQL Ints and integer columns). */
export const MAX_EXPECTED_VERSION = 1_000_000_000;

/**
 * Counts that grow without a bound of the domain (orders per customer, per region and day;
 * reviews per product) and the revisions of rows they change are bigint in the read tables
 * (customer_view.orders_count and revision, regional_sales.orders_count and version,
 * product_view.review_count, rating_sum and revision). Their GraphQL Int fields
 * (Customer.ordersCount, RegionalSales.ordersCount, Product.reviewCount) serve at most
 * GRAPHQL_INT_MAX: a larger count is served as GRAPHQL_INT_MAX, the table keeps the exact one.
 */
export function servedAsInt(count: number | string | bigint): number {
  const value = Number(count);
  return value > GRAPHQL_INT_MAX ? GRAPHQL_INT_MAX : value;
}
