/**
 * The ranges the write side accepts, in one place: the validators (schema/validation.ts, each
 * command's `parse`) and the domain (write-service/domain) read them from here.
 */

/** Highest unit price: 9,999,999,999.99 (ten integer digits), in cents. */
export const MAX_PRICE_CENTS = 999_999_999_999n;

/** Most lines an order holds (each product on one line at most). */
export const MAX_ORDER_LINES = 100;

/** Most units of a product on one order line. */
export const MAX_LINE_QUANTITY = 10_000;

/** Most units a product may be created with. */
export const MAX_INITIAL_STOCK = 1_000_000_000;

/** Most units one restock may add. */
export const MAX_RESTOCK_QUANTITY = 1_000_000;

/** Highest `expectedVersion` a client may give. */
export const MAX_EXPECTED_VERSION = 1_000_000_000;
