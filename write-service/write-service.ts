import { jetstream } from '@nats-io/jetstream';
import type { Config } from '../platform/config.js';
import { openOrm } from '../platform/database.js';
import { ensureEventStream } from '../platform/event-stream.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { InFlightLimit, serve } from '../platform/messaging.js';
import { Metrics, startMetricsServer } from '../platform/metrics.js';
import { connectNats } from '../platform/nats.js';
import { subjectsFor, WRITE_QUEUE } from '../platform/subjects.js';
import type { CommandMessage } from '../schema/commands/command-message.js';
import type { EventEnvelope } from '../schema/events/envelope.js';
import { CommandExecutor } from './commands/command-executor.js';
import type { CommandDefinition } from './commands/command-definition.js';
import { customerCommands } from './commands/customer-commands.js';
import { orderCommands } from './commands/order-commands.js';
import { productCommands } from './commands/product-commands.js';
import { reviewCommands } from './commands/review-commands.js';
import { EventStore } from './event-store/event-store.js';
import { writeMigrations } from './migrations/index.js';
import { startOutboxRelay } from './outbox/outbox-relay.js';
import { PublishWaiter } from './outbox/publish-waiter.js';
import { startRetention } from './retention/retention.js';
import { startOrderSaga } from './sagas/order-saga.js';

/** The commands clients may send (saga steps are not among them). */
export const commandDefinitions: CommandDefinition[] = [...productCommands, ...customerCommands, ...orderCommands, ...reviewCommands];

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
  const relay = startOutboxRelay({ databaseUrl: config.writeDatabaseUrl, nc, js, subjects, logger });
  const retention = startRetention({
    databaseUrl: config.writeDatabaseUrl,
    lockPrefix: subjects.stream,
    logger,
    retentionMs: config.retentionHours * 3_600_000,
  });
  const waiter = new PublishWaiter(nc, subjects, orm);
  const store = new EventStore(orm, subjects);
  const metrics = new Metrics('write-service');
  const executor = new CommandExecutor({ orm, store, waiter, onRetry: (command) => metrics.commandRetries.inc({ command }) });
  // Events as published, from every replica: keeps the executor's cached states from going stale.
  const published = nc.subscribe(subjects.eventsWildcard, {
    callback: (error, msg) => {
      if (error) return;
      try {
        executor.observe(msg.json<EventEnvelope>());
      } catch {
        // not an event envelope: nothing to forget
      }
    },
  });
  const saga = startOrderSaga({ orm, databaseUrl: config.writeDatabaseUrl, nc, js, jsm, subjects, executor, logger });
  const limit = new InFlightLimit(config.maxInFlight);
  const endpoints = commandDefinitions.map((definition) =>
    serve(nc, {
      subject: subjects.command(definition.name),
      queue: WRITE_QUEUE,
      logger,
      limit,
      handler: (body) => executor.execute(definition, body as CommandMessage),
      observe: (outcome, seconds) => metrics.commandDuration.observe({ command: definition.name, outcome }, seconds),
    }),
  );
  const metricsServer = config.metricsPort === undefined ? undefined : await startMetricsServer(metrics, config.metricsPort, config.host);
  logger.info(
    { namespace: config.namespace, commands: commandDefinitions.map((d) => d.name), metrics: metricsServer?.url },
    'write-service ready',
  );
  return {
    async stop() {
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
