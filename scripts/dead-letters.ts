/**
 * `npm run dead-letters -- list|retry|discard [--projection p] [--tenant t] [--id n] [--all] [--discarded]`:
 * lists dead letters readably, applies their events again (removing the letters that applied), or
 * discards them (kept as history). Exits 1 when a retried letter failed again or needs a rebuild,
 * 2 on a usage error.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig, subjectsFor } from '../platform/index.js';
import { openOrm } from '../platform/postgres/index.js';
import {
  DeadLetterError,
  discardDeadLetters,
  formatDeadLetters,
  formatRetryOutcomes,
  listDeadLetters,
  parseDeadLetterCommand,
  readMigrations,
  readModels,
  retryDeadLetters,
  retrySettled,
} from '../read-service/index.js';

let command;
try {
  command = parseDeadLetterCommand(
    process.argv.slice(2),
    readModels.map((p) => p.name),
  );
} catch (error) {
  if (!(error instanceof DeadLetterError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const config = loadConfig();
const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
try {
  const em = orm.em.fork() as EntityManager;
  if (command.action === 'list') {
    console.log(formatDeadLetters(await listDeadLetters(em, command.filter)).join('\n'));
  } else if (command.action === 'discard') {
    const discarded = await discardDeadLetters(em, command.filter);
    console.log(
      discarded.length === 0
        ? 'no open dead letter matched'
        : [`discarded ${discarded.length}:`, ...formatDeadLetters(discarded)].join('\n'),
    );
  } else {
    const nc = await connect({ servers: config.natsUrl.split(',') });
    try {
      const outcomes = await retryDeadLetters({
        orm,
        nc,
        js: jetstream(nc),
        jsm: await jetstreamManager(nc),
        subjects: subjectsFor(config.namespace),
        projections: readModels,
        filter: command.filter,
      });
      console.log(formatRetryOutcomes(outcomes).join('\n'));
      process.exitCode = retrySettled(outcomes) ? 0 : 1;
    } finally {
      await nc.close();
    }
  }
} finally {
  await orm.close();
}
