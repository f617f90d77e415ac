/**
 * `npm run verify [-- --set-based]`: folds the event store (the write side, the source of truth) through every
 * projection into scratch tables and compares them with the live read models row by row; checks
 * the event stream against the outbox (lost, out of order); reports unpublished events and dead
 * letters. Prints what it found; exits 1 on any difference, 0 when clean. Safe while the system runs.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig, subjectsFor } from '../platform/index.js';
import { openOrm } from '../platform/postgres/index.js';
import { formatVerifyReport, isClean, readMigrations, readModels, verifyProjections } from '../read-service/index.js';

const args = process.argv.slice(2);
if (args.some((arg) => arg !== '--set-based')) {
  console.error("usage: verify [--set-based]   (--set-based folds with the read models' set-based writers: faster, not independent of it)");
  process.exit(2);
}
const config = loadConfig();
const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
const nc = await connect({ servers: config.natsUrl.split(',') });
try {
  const report = await verifyProjections({
    orm,
    readDatabaseUrl: config.readDatabaseUrl,
    writeDatabaseUrl: config.writeDatabaseUrl,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    subjects: subjectsFor(config.namespace),
    projections: readModels,
    setBased: args.includes('--set-based'),
  });
  console.log(formatVerifyReport(report).join('\n'));
  process.exitCode = isClean(report) ? 0 : 1;
} finally {
  await nc.close();
  await orm.close();
}
