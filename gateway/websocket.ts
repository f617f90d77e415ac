import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AppError, ErrorCode } from '../schema/index.js';
import type { Authenticator, Principal } from './auth.js';
import { createContext, type ContextSources, type GatewayContext } from './context.js';
import { correlationIdOf } from './correlation.js';
import { asGraphQLError, formatResult, normalizeError } from './normalize-error.js';
import { closeAtExpiry } from './socket-expiry.js';
import { DocumentCache } from './subscriptions/document-cache.js';
import { createSharedSubscribe, type DirectTarget } from './subscriptions/shared-subscribe.js';

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;

export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  auth: Authenticator;
  sources: ContextSources;
}

/**
 * graphql-ws on the HTTP server's `/graphql`: authenticated once per socket (refused: closed
 * with 4403; closed with 4403 too when the token expires), documents parsed and validated once per query text, at most
 * MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions per socket, identical subscriptions executed once
 * per change (createSharedSubscribe), errors as over HTTP (normalizeError).
 */
export function serveWebSocket({ httpServer, schema, auth, sources }: WebSocketOptions): Disposable {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const principals = new WeakMap<object, Principal>();
  const documents = new DocumentCache(schema);
  // Each subscription's socket and id, by its context: later values go straight there.
  const directTargets = new WeakMap<object, DirectTarget>();
  return useServer<Record<string, unknown>>(
    {
      schema,
      subscribe: createSharedSubscribe(directTargets),
      connectionInitWaitTimeout: 5000,
      onConnect: async (ctx) => {
        try {
          const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const principal = await auth.authenticate(typeof authorization === 'string' ? authorization : undefined);
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
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            asGraphQLError(new AppError(ErrorCode.RATE_LIMITED, `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`)),
          ];
        }
        const document = documents.get(payload.query);
        if (!('kind' in document)) return document; // syntax or validation errors
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
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? formatResult(result) : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(normalizeError),
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
