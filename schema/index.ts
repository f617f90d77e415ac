/**
 * The contracts' face: what crosses a process boundary, importable by every service, script and
 * test from here. schema/ depends on nothing but itself (no services, no platform, no GraphQL).
 */
// Events: the envelope, each aggregate's events, schema versions and upcasters.
export * from './events/envelope.js';
export * from './events/product-events.js';
export * from './events/customer-events.js';
export * from './events/order-events.js';
export * from './events/review-events.js';
export * from './events/wishlist-events.js';
export * from './events/upcaster.js';
export * from './events/upcasters.js';
// Messages between the processes: commands, queries, views and their change notices.
export * from './messages/command-inputs.js';
export * from './queries/query-message.js';
export * from './views/product-view.js';
export * from './views/commerce-views.js';
export * from './views/wishlist-view.js';
export * from './views/view-change.js';
export * from './views/view-sources.js';
// What every side checks the same way: error codes, limits, money, validation, consistency tokens.
export * from './errors.js';
export * from './limits.js';
export * from './money.js';
export * from './validation.js';
export * from './text-safety.js';
export * from './consistency-token.js';
// Who may do what: the roles of a token, read the same way by the gateway and the write-service.
export * from './roles.js';
