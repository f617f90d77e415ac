/**
 * `npm run rebuild -- <projection> | --all [--accept-failures] [--keep-archive]`: rebuilds one
 * projection (or all, in one replay and one switch) blue/green while the system keeps running:
 * replays the event stream into fresh tables, then switches them in at the live checkpoint.
 * Prints what it replayed, how fast, and where it switched; exits 1 when it did not switch (the
 * live tables are then untouched).
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig, createLogger, subjectsFor } from '../platform/index.js';
import { openOrm } from '../platform/postgres/index.js';
import { RebuildError, readMigrations, readModels, rebuildProjections } from '../read-service/index.js';

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const named = args.filter((arg) => !arg.startsWith('--'));
const selected = flags.has('--all') ? readModels : readModels.filter((p) => named.includes(p.name));
const unknown = named.filter((name) => !readModels.some((p) => p.name === name));
if (selected.length === 0 || unknown.length > 0) {
  console.error(
    `usage: rebuild <projection>... | --all [--accept-failures] [--keep-archive]\nprojections: ${readModels.map((p) => p.name).join(', ')}`,
  );
  process.exit(2);
}

const config = loadConfig();
const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
const nc = await connect({ servers: config.natsUrl.split(',') });
try {
  const report = await rebuildProjections({
    orm,
    databaseUrl: config.readDatabaseUrl,
    nc,
    js: jetstream(nc),
    subjects: subjectsFor(config.namespace),
    projections: selected,
    logger: createLogger('rebuild', config.logLevel),
    acceptFailures: flags.has('--accept-failures'),
    keepArchive: flags.has('--keep-archive'),
  });
  console.log(
    `replayed ${report.eventsReplayed} events in ${report.seconds.toFixed(2)} s (${report.eventsPerSecond} events/s), ` +
      `${report.tailEvents} of them during the switch (attempt ${report.switchAttempts})`,
  );
  for (const p of report.projections) {
    const { resolved, carried, recorded } = p.deadLetters;
    console.log(
      `${p.name}: switched at position ${p.position}; dead letters resolved ${resolved.length}, still failing ${carried.length}, recorded ${recorded.length}` +
        (carried.length + recorded.length > 0 ? ` (stream sequences ${[...carried, ...recorded].join(', ')})` : ''),
    );
  }
  if (report.archive) console.log(`old tables kept in schema ${report.archive}`);
} catch (error) {
  if (!(error instanceof RebuildError)) throw error;
  console.error(`not switched (${error.code}): ${error.message}`);
  for (const failure of error.failures)
    console.error(
      `  ${failure.projection} @${failure.streamSeq} ${failure.eventType ?? '(not an event)'} ${failure.eventId ?? ''}: ${failure.error}`,
    );
  process.exitCode = 1;
} finally {
  await nc.close();
  await orm.close();
}
