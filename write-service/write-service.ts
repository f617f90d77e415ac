import { jetstream } from '@nats-io/jetstream';
import {
  type Config,
  ensureEventStream,
  createLogger,
  type Logger,
  InFlightLimit,
  serve,
  toErrorPayload,
  Metrics,
  METRICS_PORTS,
  startMetricsServer,
  answerStatusPings,
  connectNats,
  subjectsFor,
  WRITE_QUEUE,
  logMs,
} from '../platform/index.js';
import { openOrm } from '../platform/postgres/index.js';
import type { EventEnvelope } from '../schema/index.js';
import { CommandHandler } from './commands/command-handler.js';
import { commandErrorPayload } from './commands/error-payload.js';
import { EventStore } from './event-store/event-store.js';
import { writeMigrations } from './migrations/index.js';
import { outboxBacklog } from './outbox/outbox-backlog.js';
import { startOutboxRelay } from './outbox/outbox-relay.js';
import { PublishWaiter } from './outbox/publish-waiter.js';
import { startRetention } from './retention/retention.js';
import { clientCommands } from './registry.js';
import { startOrderSaga } from './sagas/order-saga.js';
import { sagaBacklog } from './sagas/saga-backlog.js';

export interface RunningService {
  stop(): Promise<void>;
}

/**
 * The write-service: command endpoints in the `write-service` queue group, the event store
 * and the outbox relay (active in one replica at a time).
 */
export async function startWriteService(
  config: Config,
  logger: Logger = createLogger('write-service', config.logLevel),
): Promise<RunningService> {
  const subjects = subjectsFor(config.namespace);
  const orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
  const nc = await connectNats(config.natsUrl, `${config.namespace}-write-service`, logger);
  const jsm = await ensureEventStream(nc, subjects);
  const js = jetstream(nc);
  const metrics = new Metrics('write-service');
  const relay = startOutboxRelay({
    databaseUrl: config.writeDatabaseUrl,
    nc,
    js,
    subjects,
    logger,
    onPublished: (seconds) => metrics.publishDuration.observe(seconds),
    onPublishFailed: () => metrics.publishErrors.inc(),
  });
  metrics.trackOutbox(outboxBacklog(orm));
  const retention = startRetention({
    databaseUrl: config.writeDatabaseUrl,
    lockPrefix: subjects.stream,
    logger,
    retentionMs: config.retentionHours * 3_600_000,
  });
  const waiter = new PublishWaiter(nc, subjects, orm);
  const store = new EventStore(orm, subjects);
  const handler = new CommandHandler({
    orm,
    store,
    waiter,
    onRetry: (command) => metrics.commandRetries.inc({ command }),
    onExpired: () => metrics.requestsExpired.inc(),
  });
  // Events as published, from every replica: keeps the handler's cached states from going stale.
  const published = nc.subscribe(subjects.eventsWildcard, {
    callback: (error, msg) => {
      if (error) return;
      try {
        handler.observe(msg.json<EventEnvelope>());
      } catch {
        // not an event envelope: nothing to forget
      }
    },
  });
  const saga = startOrderSaga({ orm, databaseUrl: config.writeDatabaseUrl, nc, js, jsm, subjects, handler, logger });
  metrics.trackSaga(sagaBacklog(jsm, subjects));
  const limit = new InFlightLimit(config.maxInFlight);
  metrics.trackInFlight(limit);
  const endpoints = clientCommands.map((entry) =>
    serve(nc, {
      subject: subjects.command(entry.definition.name),
      spanName: `command ${entry.definition.name}`,
      queue: WRITE_QUEUE,
      logger,
      limit,
      handler: (body, _msg, deadline) => handler.accept(entry, body, deadline),
      toErrorPayload: (error, where) => commandErrorPayload(entry, error) ?? toErrorPayload(error, logger, where),
      observe: (outcome, seconds) => {
        metrics.commandDuration.observe({ command: entry.definition.name, outcome }, seconds);
        // One line per command, in its request's log context (correlationId, traceId).
        logger.info({ command: entry.definition.name, outcome, ms: logMs(seconds) }, 'command');
      },
      // A command whose caller has gone is not started (serve drops it); one already appended still answers.
      onExpired: () => metrics.requestsExpired.inc(),
    }),
  );
  const metricsPort = config.metricsPort ?? METRICS_PORTS['write-service'];
  const metricsServer = metricsPort === 'off' ? undefined : await startMetricsServer(metrics, metricsPort, config.host);
  const status = answerStatusPings(nc, subjects, { service: 'write-service', inFlight: limit, metrics: metricsServer?.url });
  logger.info(
    { namespace: config.namespace, commands: clientCommands.map((entry) => entry.definition.name), metrics: metricsServer?.url },
    'write-service ready',
  );
  return {
    async stop() {
      status.stop();
      await Promise.all(endpoints.map((stop) => stop()));
      await metricsServer?.close();
      await saga.stop();
      published.unsubscribe();
      waiter.close();
      await retention.stop();
      await relay.stop();
      await nc.drain().catch(() => undefined);
      await orm.close();
    },
  };
}
