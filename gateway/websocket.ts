import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { execute, getOperationAST, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { withLogContext } from '../platform/index.js';
import { AppError, ErrorCode } from '../schema/index.js';
import type { Authenticator, Principal } from './auth.js';
import { createContext, type ContextSources, type GatewayContext } from './context.js';
import { correlationIdOf } from './correlation.js';
import { acceptsMore, clientKey, ConnectionCounter, OperationRate, refuseConnection, type EdgeLimits } from './limits/index.js';
import { asGraphQLError, formatResult, normalizeError } from './normalize-error.js';
import type { RateLimits } from './rate-limit/index.js';
import { closeAtExpiry } from './socket-expiry.js';
import { DocumentCache } from './subscriptions/document-cache.js';
import { createSharedSubscribe, type DirectTarget } from './subscriptions/shared-subscribe.js';
import { meteredSubscribe, type SubscriptionMeter } from './subscriptions/subscription-meter.js';

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;

export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  auth: Authenticator;
  sources: ContextSources;
  /** Spent by each operation as over HTTP (absent: no rate limits). */
  rateLimits?: RateLimits | undefined;
  edge: EdgeLimits;
  /** Told of subscriptions opened and closed and of values sent (absent: none). */
  meter?: SubscriptionMeter;
}

/** What the edge's limits keep per socket. */
interface SocketState {
  client?: string;
  rate: OperationRate;
}

/**
 * graphql-ws on the HTTP server's `/graphql`: authenticated once per socket (refused: closed
 * with 4403; closed with 4403 too when the token expires), documents parsed and validated once per query text, at most
 * MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions per socket, identical subscriptions executed once
 * per change (createSharedSubscribe), errors as over HTTP (normalizeError). The edge's limits
 * as over HTTP (gateway/limits), and the socket's own: messages no larger than an HTTP body,
 * sockets per client, operations per second, and unsent bytes (a client that does not read is
 * closed).
 */
export function serveWebSocket({ httpServer, schema, auth, sources, edge, rateLimits, meter }: WebSocketOptions): Disposable {
  const { limits, webSocket: checks } = edge;
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: limits.maxMessageBytes });
  const principals = new WeakMap<object, Principal>();
  const documents = new DocumentCache(schema, {
    maxChars: limits.documentCacheBytes,
    rules: checks.validationRules,
    maxTokens: checks.maxTokens,
    refusal: checks.refusal,
  });
  const connections = new ConnectionCounter(limits.maxConnectionsPerClient);
  const sockets = new WeakMap<object, SocketState>();
  // Each subscription's socket and id, by its context: later values go straight there.
  const directTargets = new WeakMap<object, DirectTarget>();
  const subscribe = meter
    ? meteredSubscribe(
        createSharedSubscribe(directTargets, () => meter.pushed()),
        meter,
      )
    : createSharedSubscribe(directTargets);
  return useServer<Record<string, unknown>>(
    {
      schema,
      // Each operation's log lines carry its correlation id, as an HTTP request's do.
      execute: (args) => withLogContext({ correlationId: correlationOf(args) }, () => execute(args)),
      subscribe: (args) => withLogContext({ correlationId: correlationOf(args) }, () => subscribe(args)),
      connectionInitWaitTimeout: 5000,
      onConnect: async (ctx) => {
        try {
          const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const principal = await auth.authenticate(typeof authorization === 'string' ? authorization : undefined);
          const client = clientKey(authorization ? principal : undefined, ctx.extra.request.socket.remoteAddress);
          if (!connections.acquire(client)) {
            refuseConnection(ctx.extra.socket, limits.maxConnectionsPerClient);
            return false;
          }
          sockets.set(ctx, { client, rate: new OperationRate(limits.operationsPerSecond, limits.operationsBurst) });
          principals.set(ctx, principal);
          closeAtExpiry(ctx.extra.socket, principal.expiresAt);
          // graphql-ws keeps the upgrade request for the socket's whole life; nothing here reads it
          // again, and it costs about 1.5 KB per socket (measured with 5,000 subscribers).
          (ctx.extra as { request?: unknown }).request = undefined;
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = sockets.get(ctx);
        if (!acceptsMore(ctx.extra.socket, limits.maxBufferedBytes))
          return [asGraphQLError(new AppError(ErrorCode.RATE_LIMITED, 'the client is not reading'))];
        if (state && !state.rate.take()) {
          return [
            asGraphQLError(
              new AppError(
                ErrorCode.RATE_LIMITED,
                `at most ${limits.operationsPerSecond} operations per second per connection`,
                undefined,
                {
                  retryAfterMs: state.rate.retryAfterMs(),
                },
              ),
            ),
          ];
        }
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            asGraphQLError(new AppError(ErrorCode.RATE_LIMITED, `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`)),
          ];
        }
        const document = documents.get(payload.query);
        if (!('kind' in document)) return document; // syntax or validation errors, limits of the document's shape
        const tooCostly = checks.costError(document, payload.operationName, payload.variables);
        if (tooCostly) return [tooCostly];
        const principal = principals.get(ctx);
        const limited = principal && (await rateLimits?.check(principal, getOperationAST(document, payload.operationName)?.operation));
        if (limited) return [asGraphQLError(limited)];
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id, payload): GatewayContext => {
        const principal = principals.get(ctx);
        if (!principal) throw new AppError(ErrorCode.UNAUTHENTICATED, 'not authenticated');
        const correlationId = correlationIdOf((payload.extensions as Record<string, unknown> | undefined)?.correlationId);
        const context = createContext(principal, correlationId, sources);
        directTargets.set(context, { socket: ctx.extra.socket, id });
        return context;
      },
      // Later values of a subscription are formatted where they are sent (createSharedSubscribe).
      // Query and mutation results are sent while the client reads them (acceptsMore) and only as large as over HTTP.
      onNext: (ctx, _id, _payload, _args, result) => {
        acceptsMore(ctx.extra.socket, limits.maxBufferedBytes); // closes the socket; graphql-ws then sends nothing
        const formatted = result.errors ? formatResult(result) : undefined;
        return checks.capResult(formatted ?? result) ?? formatted;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(normalizeError),
      onClose: (ctx) => {
        const client = sockets.get(ctx)?.client;
        if (client !== undefined) connections.release(client);
        sockets.delete(ctx);
      },
    },
    wsServer,
  );
}

/** Closes the WebSocket server's sockets when Apollo drains (stop), beside the HTTP server's. */
export function drainWebSocketServer(server: Disposable): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          await server.dispose();
        },
      };
    },
  };
}

/** The correlation id of a WebSocket operation (its context's: the client's `extensions.correlationId`, or one made for it). */
function correlationOf(args: ExecutionArgs): string | undefined {
  return (args.contextValue as Partial<GatewayContext> | undefined)?.correlationId;
}
