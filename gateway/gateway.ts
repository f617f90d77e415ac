import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import { type Config, createLogger, type Logger, Metrics, connectNats, startMetricsServer, subjectsFor } from '../platform/index.js';
import { answerStatusPings } from '../platform/index.js';
import { PRODUCT_VIEW, type ProductView } from '../schema/index.js';
import { createAuthenticator } from './auth.js';
import { Bus } from './bus.js';
import { createTokenSeal } from './token-seal.js';
import { createContext, type GatewayContext, type ViewCaches } from './context.js';
import { correlationMiddleware } from './correlation.js';
import { traceRequests } from './trace-requests.js';
import { graphqlHandler } from './graphql-handler.js';
import { tracingEnabled } from '../platform/telemetry/index.js';
import { explorerRouter } from './explorer.js';
import { createEdgeLimits, limitErrorOf, loadLimits } from './limits/index.js';
import { bodyAlwaysSet, bodyErrorHandler, lastErrorHandler } from './http-errors.js';
import { metricsEndpoint } from './metrics-endpoint.js';
import { buildGatewaySchema } from './graphql/build-schema.js';
import { metricsPlugin } from './metrics-plugin.js';
import { earlyRefusal, principalOf, rateLimitPlugin, startRateLimits } from './rate-limit/index.js';
import { asGraphQLError, normalizeError } from './normalize-error.js';
import { ViewHub } from './subscriptions/view-hub.js';
import { ViewCache } from './view-cache/view-cache.js';
import { drainWebSocketServer, serveWebSocket } from './websocket.js';

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
  const bus = new Bus(nc, subjects, config.requestTimeoutMs, createTokenSeal(config.consistencyTokenKey ?? config.jwtSecret));
  const views = new ViewHub(nc, subjects, logger);
  const metrics = new Metrics('gateway');
  const caches: ViewCaches = {};
  if (config.viewCacheSize > 0) {
    metrics.trackViewCache();
    caches.products = new ViewCache<ProductView>(views.feed(PRODUCT_VIEW), {
      capacity: config.viewCacheSize,
      onLookup: (hits, misses) => {
        metrics.viewCacheRequests.inc({ result: 'hit' }, hits);
        metrics.viewCacheRequests.inc({ result: 'miss' }, misses);
      },
    });
    await caches.products.start();
  }
  const sources = { bus, views, caches };
  const auth = createAuthenticator({
    mode: config.authMode,
    ...(config.jwtSecret ? { secret: config.jwtSecret } : {}),
    ...(config.jwksUrl ? { jwksUrl: config.jwksUrl } : {}),
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
  });
  const schema = await buildGatewaySchema();
  const rateLimits = config.rateLimit && (await startRateLimits(config.rateLimit, config.redisUrl, logger, metrics));
  const edge = createEdgeLimits(schema, loadLimits(process.env, config.production));

  const app = express();
  app.disable('x-powered-by');
  // No ETag per answer: GraphQL answers are not revalidated, and hashing each body cost CPU.
  app.set('etag', false);
  const httpServer = http.createServer(app);
  metrics.trackSubscriptions();
  const webSocket = serveWebSocket({
    httpServer,
    schema,
    auth,
    sources,
    edge,
    rateLimits,
    meter: {
      opened: () => metrics.subscriptionsActive.inc(),
      closed: () => metrics.subscriptionsActive.dec(),
      pushed: () => metrics.subscriptionPushes.inc(),
    },
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError: (_formatted, error) => normalizeError(limitErrorOf(error) ?? error),
    includeStacktraceInErrorResponses: false,
    // The process's signal handling (platform/process.ts) stops the gateway; Apollo's own
    // handlers would race it and leave the process hanging until the forced exit.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      drainWebSocketServer(webSocket),
      ApolloServerPluginLandingPageDisabled(),
      metricsPlugin(metrics, logger),
      ...(rateLimits ? [rateLimitPlugin(rateLimits)] : []),
      ...edge.apollo.plugins,
    ],
    validationRules: edge.apollo.validationRules,
    parseOptions: edge.apollo.parseOptions,
    stringifyResult: edge.apollo.stringifyResult,
  });
  await apollo.start();

  if (tracingEnabled()) app.use(traceRequests());
  app.use(correlationMiddleware());
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // METRICS_PORT: metrics on a port of their own (not the API's), or none (off); otherwise see metricsEndpoint.
  const metricsServer =
    config.metricsPort === undefined || config.metricsPort === 'off'
      ? undefined
      : await startMetricsServer(metrics, config.metricsPort, config.host);
  if (config.metricsPort === undefined) {
    app.get(
      '/metrics',
      metricsEndpoint(metrics, { production: config.production, ...(config.metricsToken ? { token: config.metricsToken } : {}) }),
    );
  }
  if (config.explorer) app.use(explorerRouter());
  app.use(
    '/graphql',
    earlyRefusal(auth, rateLimits || undefined),
    express.json({ limit: '100kb' }),
    bodyErrorHandler(),
    bodyAlwaysSet(),
    graphqlHandler(apollo, async ({ req, res }) => {
      try {
        const principal = await (principalOf(res.locals) ?? auth.authenticate(req.get('authorization')));
        return createContext(principal, res.locals.correlationId as string, sources);
      } catch (error) {
        throw asGraphQLError(error); // UNAUTHENTICATED answers HTTP 401
      }
    }),
  );
  app.use(lastErrorHandler(logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const status = answerStatusPings(nc, subjects, {
    service: 'gateway',
    metrics: metricsServer?.url ?? `${url}/metrics`,
    endpoint: `${url}/graphql`,
  });
  logger.info(
    {
      namespace: config.namespace,
      url: `${url}/graphql`,
      explorer: config.explorer ? `${url}/explorer` : 'off',
      metrics: config.metricsPort === 'off' ? undefined : (metricsServer?.url ?? `${url}/metrics`),
    },
    'gateway ready',
  );
  return {
    url,
    bus,
    views,
    async stop() {
      status.stop();
      await apollo.stop();
      await rateLimits?.stop();
      await metricsServer?.close();
      caches.products?.stop();
      views.stop();
      await nc.drain().catch(() => undefined);
    },
  };
}
