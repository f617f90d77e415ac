// Rate limits per token and per tenant, shared by the gateways through Redis.
export { startRateLimits, tokenKey, type RateLimits, type RateLimitScope } from './rate-limits.js';
export { rateLimitPlugin } from './rate-limit-plugin.js';
export { earlyRefusal, principalOf } from './early-refusal.js';
export { operationCost } from './operation-cost.js';
