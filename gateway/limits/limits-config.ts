/**
 * The edge's limits (DESIGN.md §6), from the environment. The defaults are far above what a real
 * client asks (the explorer's examples, a page of 100 products with every field, an order with
 * its lines and their products) and far below what hurt the gateway in issue 13.
 */
export interface Limits {
  /** Deepest field nesting of an operation (introspection's `__schema` not counted). */
  maxDepth: number;
  /** Aliased fields in an operation (`__typename` not counted). */
  maxAliases: number;
  /** Fields at the top of an operation, fragments spread in. */
  maxRootFields: number;
  /** Lexical tokens in a document; the parser stops at the first one over. */
  maxTokens: number;
  /** Directives in an operation. */
  maxDirectives: number;
  /** Highest cost of an operation (see cost.ts). */
  maxCost: number;
  /** What a field given a consistency token adds to the cost: the read-service holds a waiter for it. */
  consistencyTokenCost: number;
  /** Largest answer in bytes of JSON; a larger one is replaced by a QUERY_TOO_COMPLEX error. */
  maxResponseBytes: number;
  /** Largest WebSocket message in bytes (the HTTP body limit). */
  maxMessageBytes: number;
  /** Sockets open at once per client (token subject and tenant; address when anonymous); 0: no cap. */
  maxConnectionsPerClient: number;
  /** Operations a socket may start per second, on average. */
  operationsPerSecond: number;
  /** Operations a socket may start at once, before the average applies. */
  operationsBurst: number;
  /** Unsent bytes a socket may hold; past them the client is not reading, and the socket is closed. */
  maxBufferedBytes: number;
  /** Bytes of query text the subscription document cache keeps (beside its count). */
  documentCacheBytes: number;
  /** Hide "Did you mean ...?" in validation errors (it tells the schema to whoever guesses). */
  hideSuggestions: boolean;
}

/** The HTTP body limit (express.json in gateway.ts); a socket's messages have the same. */
export const MAX_BODY_BYTES = 100 * 1024;

/** Each limit's environment variable and default. */
const VARIABLES = {
  maxDepth: ['QUERY_MAX_DEPTH', 10],
  maxAliases: ['QUERY_MAX_ALIASES', 30],
  maxRootFields: ['QUERY_MAX_ROOT_FIELDS', 20],
  maxTokens: ['QUERY_MAX_TOKENS', 2_000],
  maxDirectives: ['QUERY_MAX_DIRECTIVES', 10],
  maxCost: ['QUERY_MAX_COST', 20_000],
  consistencyTokenCost: ['QUERY_CONSISTENCY_TOKEN_COST', 1_000],
  maxResponseBytes: ['RESPONSE_MAX_BYTES', 5 * 1024 * 1024],
  maxConnectionsPerClient: ['WS_MAX_CONNECTIONS_PER_CLIENT', 100],
  operationsPerSecond: ['WS_OPERATIONS_PER_SECOND', 100],
  operationsBurst: ['WS_OPERATIONS_BURST', 200],
  maxBufferedBytes: ['WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024],
  documentCacheBytes: ['WS_DOCUMENT_CACHE_BYTES', 4 * 1024 * 1024],
} as const satisfies Record<string, readonly [string, number]>;

/** The limits from `env`; a value that is not a whole number (at least 1, or 0 where 0 turns a cap off) fails the start. */
export function loadLimits(env: NodeJS.ProcessEnv, production: boolean): Limits {
  const value = (key: keyof typeof VARIABLES): number => {
    const [name, fallback] = VARIABLES[key];
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = Number(raw);
    const least = key === 'maxConnectionsPerClient' || key === 'consistencyTokenCost' ? 0 : 1;
    if (!Number.isSafeInteger(parsed) || parsed < least) throw new Error(`${name} must be an integer of at least ${least} (got "${raw}")`);
    return parsed;
  };
  return {
    maxDepth: value('maxDepth'),
    maxAliases: value('maxAliases'),
    maxRootFields: value('maxRootFields'),
    maxTokens: value('maxTokens'),
    maxDirectives: value('maxDirectives'),
    maxCost: value('maxCost'),
    consistencyTokenCost: value('consistencyTokenCost'),
    maxResponseBytes: value('maxResponseBytes'),
    maxMessageBytes: MAX_BODY_BYTES,
    maxConnectionsPerClient: value('maxConnectionsPerClient'),
    operationsPerSecond: value('operationsPerSecond'),
    operationsBurst: value('operationsBurst'),
    maxBufferedBytes: value('maxBufferedBytes'),
    documentCacheBytes: value('documentCacheBytes'),
    hideSuggestions: production,
  };
}
