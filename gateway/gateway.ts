import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../platform/config.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { connectNats } from '../platform/nats.js';
import { subjectsFor } from '../platform/subjects.js';
import { AppError, ErrorCode } from '../schema/errors.js';
import { PRODUCT_VIEW, type ProductView } from '../schema/views/product-view.js';
import { createAuthenticator, type Principal } from './auth.js';
import { buildGatewaySchema } from './graphql/build-schema.js';
import { Bus } from './bus.js';
import { createContext, type GatewayContext, type ViewCaches } from './context.js';
import { correlationIdOf, correlationMiddleware } from './correlation.js';
import { explorerRouter } from './explorer.js';
import { metricsPlugin } from './metrics-plugin.js';
import { asGraphQLError, formatResult, normalizeError } from './normalize-error.js';
import { DocumentCache } from './subscriptions/document-cache.js';
import { createSharedSubscribe, type DirectTarget } from './subscriptions/shared-subscribe.js';
import { ViewHub } from './subscriptions/view-hub.js';
import { ViewCache } from './view-cache/view-cache.js';

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;

export interface RunningGateway {
  url: string;
  bus: Bus;
  views: ViewHub;
  stop(): Promise<void>;
}

/** The gateway: Apollo Server on Express and graphql-ws on the same port and path. */
export async function startGateway(config: Config, logger: Logger = createLogger('gateway', config.logLevel)): Promise<RunningGateway> {
  const subjects = subjectsFor(config.namespace);
  const nc = await connectNats(config.natsUrl, `${config.namespace}-gateway`, logger);
  const bus = new Bus(nc, subjects, config.requestTimeoutMs);
  const views = new ViewHub(nc, subjects, logger);
  const caches: ViewCaches = {};
  if (config.viewCacheSize > 0) {
    caches.products = new ViewCache<ProductView>(views.feed(PRODUCT_VIEW), { capacity: config.viewCacheSize });
    await caches.products.start();
  }
  const auth = createAuthenticator(config.authMode, config.jwtSecret);
  const schema = await buildGatewaySchema();
  const metrics = new Metrics('gateway');

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const principals = new WeakMap<object, Principal>();
  const documents = new DocumentCache(schema);
  // Each WebSocket subscription's socket and id, by its context: later values go straight there.
  const directTargets = new WeakMap<object, DirectTarget>();
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      subscribe: createSharedSubscribe(directTargets),
      connectionInitWaitTimeout: 5000,
      onConnect: async (ctx) => {
        try {
          const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          principals.set(ctx, await auth.authenticate(typeof authorization === 'string' ? authorization : undefined));
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
        const context = createContext(principal, correlationId, bus, views, caches);
        directTargets.set(context, { socket: ctx.extra.socket, id });
        return context;
      },
      // Errors as clients see them, the same as over HTTP; later values of a subscription are
      // formatted where they are sent (createSharedSubscribe).
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? formatResult(result) : undefined),
      onError: (_ctx, _id, _payload, errors) => errors.map(normalizeError),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError: (_formatted, error) => normalizeError(error),
    includeStacktraceInErrorResponses: false,
    // The process's signal handling (platform/process.ts) stops the gateway; Apollo's own
    // handlers would race it and leave the process hanging until the forced exit.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      metricsPlugin(metrics),
    ],
  });
  await apollo.start();

  app.use(correlationMiddleware());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.expose().then(({ contentType, body }) => {
      res.type(contentType).send(body);
    }, next);
  });
  app.use(explorerRouter());
  app.use(
    '/graphql',
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          const principal = await auth.authenticate(req.get('authorization'));
          return createContext(principal, res.locals.correlationId as string, bus, views, caches);
        } catch (error) {
          throw asGraphQLError(error); // UNAUTHENTICATED answers HTTP 401
        }
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info(
    { namespace: config.namespace, url: `${url}/graphql`, explorer: `${url}/explorer`, metrics: `${url}/metrics` },
    'gateway ready',
  );
  return {
    url,
    bus,
    views,
    async stop() {
      await apollo.stop();
      caches.products?.stop();
      views.stop();
      await nc.drain().catch(() => undefined);
    },
  };
}
