import { jetstream } from '@nats-io/jetstream';
import type { Config } from '../platform/config.js';
import { openOrm } from '../platform/database.js';
import { ensureEventStream } from '../platform/event-stream.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { serve } from '../platform/messaging.js';
import { connectNats } from '../platform/nats.js';
import { subjectsFor, WRITE_QUEUE } from '../platform/subjects.js';
import type { CommandMessage } from '../schema/commands/command-message.js';
import { CommandExecutor } from './commands/command-executor.js';
import type { CommandDefinition } from './commands/command-definition.js';
import { productCommands } from './commands/product-commands.js';
import { EventStore } from './event-store/event-store.js';
import { writeMigrations } from './migrations/index.js';
import { startOutboxRelay } from './outbox/outbox-relay.js';
import { PublishWaiter } from './outbox/publish-waiter.js';

export const commandDefinitions: CommandDefinition[] = [...productCommands];

export interface RunningService {
  stop(): Promise<void>;
}

/**
 * The write-service: command endpoints in the `write-service` queue group, the event store
 * and the outbox relay (active in one replica at a time).
 */
export async function startWriteService(config: Config, logger: Logger = createLogger('write-service', config.logLevel)): Promise<RunningService> {
  const subjects = subjectsFor(config.namespace);
  const orm = await openOrm({ url: config.writeDatabaseUrl, entities: [], migrations: writeMigrations });
  const nc = await connectNats(config.natsUrl, `${config.namespace}-write-service`, logger);
  await ensureEventStream(nc, subjects);
  const relay = startOutboxRelay({ databaseUrl: config.writeDatabaseUrl, nc, js: jetstream(nc), subjects, logger });
  const waiter = new PublishWaiter(nc, subjects, orm);
  const store = new EventStore(orm, subjects);
  const executor = new CommandExecutor({ orm, store, waiter });
  const endpoints = commandDefinitions.map((definition) =>
    serve(nc, subjects.command(definition.name), WRITE_QUEUE, (body) => executor.execute(definition, body as CommandMessage), logger),
  );
  logger.info({ namespace: config.namespace, commands: commandDefinitions.map((d) => d.name) }, 'write-service ready');
  return {
    async stop() {
      await Promise.all(endpoints.map((stop) => stop()));
      waiter.close();
      await relay.stop();
      await nc.drain().catch(() => undefined);
      await orm.close();
    },
  };
}
