// The gateway's face: the process, its GraphQL schema and what clients see of errors. The live
// views have a face of their own (subscriptions/index.ts), light enough for their unit tests.
export { startGateway, type RunningGateway } from './gateway.js';
export { MAX_SUBSCRIPTIONS_PER_SOCKET } from './websocket.js';
export { buildGatewaySchema, printGatewaySchema } from './graphql/build-schema.js';
export { asGraphQLError, formatResult, normalizeError, parseFailed, validationFailed } from './normalize-error.js';
