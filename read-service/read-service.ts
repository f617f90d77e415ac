import { jetstream } from '@nats-io/jetstream';
import {
  type Config,
  ensureEventStream,
  createLogger,
  type Logger,
  InFlightLimit,
  serve,
  Metrics,
  METRICS_PORTS,
  startMetricsServer,
  answerStatusPings,
  connectNats,
  READ_QUEUE,
  subjectsFor,
  logMs,
} from '../platform/index.js';
import { openOrm } from '../platform/postgres/index.js';
import { inSpan } from '../platform/telemetry/index.js';
import { decodeConsistencyToken, type QueryMessage } from '../schema/index.js';
import { CheckpointTracker } from './consistency/checkpoint-tracker.js';
import { projectionLag } from './consistency/projection-lag.js';
import { readMigrations } from './migrations/index.js';
import { startProjectionRunner } from './projection-runner/projection-runner.js';
import { observeUpdateLatency } from './projection-runner/update-latency.js';
import { projectionsQuery } from './queries/projections-query.js';
import type { QueryDefinition } from './queries/query-definition.js';
import { queries as readQueries, readModels } from './registry.js';

export interface ReadServiceOptions {
  /** Run the projections in this process (default); a query-only replica sets false. */
  runProjections?: boolean;
}

/**
 * The read-service: one projection runner per read model (one active, others standing by), query endpoints
 * in the `read-service` queue group, consistency-token waits.
 */
export async function startReadService(
  config: Config,
  logger: Logger = createLogger('read-service', config.logLevel),
  options: ReadServiceOptions = {},
) {
  const subjects = subjectsFor(config.namespace);
  const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
  const nc = await connectNats(config.natsUrl, `${config.namespace}-read-service`, logger);
  const jsm = await ensureEventStream(nc, subjects);
  const js = jetstream(nc);
  const tracker = new CheckpointTracker(nc, subjects, orm);
  await tracker.start();
  const metrics = new Metrics('read-service');
  metrics.trackProjections(
    projectionLag(
      readModels.map((model) => model.name),
      tracker,
      jsm,
      subjects,
    ),
  );
  const runners =
    options.runProjections === false
      ? []
      : readModels.map((model) =>
          startProjectionRunner({
            model,
            orm,
            databaseUrl: config.readDatabaseUrl,
            nc,
            js,
            jsm,
            subjects,
            logger,
            onDeadLetter: (name) => metrics.deadLetters.inc({ projection: name }),
            onApplied: (name, events) => observeUpdateLatency(metrics, name, events),
          }),
        );
  const queries: QueryDefinition[] = [...readQueries, projectionsQuery(readModels, jsm, subjects)];
  const limit = new InFlightLimit(config.maxInFlight);
  metrics.trackInFlight(limit);
  const endpoints = queries.map((query) =>
    serve(nc, {
      subject: subjects.query(query.name),
      spanName: `query ${query.name}`,
      queue: READ_QUEUE,
      logger,
      limit,
      handler: async (body, _msg, deadline) => {
        const message = body as QueryMessage;
        if (message.consistencyToken !== undefined && message.consistencyToken !== null) {
          const position = decodeConsistencyToken(message.consistencyToken);
          await inSpan('consistency wait', { attributes: { 'cqrs.position': position } }, () =>
            tracker.waitFor(query.reads, position, config.consistencyTimeoutMs, message.consistencyToken!, deadline),
          );
        }
        return inSpan(`handle ${query.name}`, {}, () => query.handle(message.args ?? {}, { tenant: message.tenant, em: orm.em.fork() }));
      },
      observe: (outcome, seconds) => {
        metrics.queryDuration.observe({ query: query.name, outcome }, seconds);
        // At debug, one line per query, in its request's log context (correlationId, traceId).
        if (logger.isLevelEnabled('debug')) logger.debug({ query: query.name, outcome, ms: logMs(seconds) }, 'query');
      },
      onExpired: () => metrics.requestsExpired.inc(),
    }),
  );
  const metricsPort = config.metricsPort ?? METRICS_PORTS['read-service'];
  const metricsServer = metricsPort === 'off' ? undefined : await startMetricsServer(metrics, metricsPort, config.host);
  const status = answerStatusPings(nc, subjects, { service: 'read-service', inFlight: limit, metrics: metricsServer?.url });
  logger.info({ namespace: config.namespace, queries: queries.map((q) => q.name), metrics: metricsServer?.url }, 'read-service ready');
  return {
    async stop() {
      status.stop();
      await Promise.all(endpoints.map((stop) => stop()));
      await metricsServer?.close();
      await Promise.all(runners.map((runner) => runner.stop()));
      tracker.stop();
      await nc.drain().catch(() => undefined);
      await orm.close();
    },
  };
}
