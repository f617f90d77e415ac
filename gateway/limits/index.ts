// The edge's limits (DESIGN.md §6, docs/decisions.md "Query and WebSocket limits"): what the
// gateway and its WebSocket server take from here.
export { loadLimits, MAX_BODY_BYTES, type Limits } from './limits-config.js';
export { createEdgeLimits, type EdgeLimits, type ApolloLimits, type WebSocketLimits } from './edge-limits.js';
export { limitErrorOf, queryTooComplex, type LimitName } from './limit-error.js';
export { costEstimators, operationCost } from './cost.js';
export {
  acceptsMore,
  clientKey,
  ConnectionCounter,
  OperationRate,
  refuseConnection,
  NOT_READING_CLOSE_CODE,
  TOO_MANY_CONNECTIONS_CLOSE_CODE,
} from './socket-guards.js';
