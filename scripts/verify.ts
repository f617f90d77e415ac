/**
 * `npm run verify`: replays the whole event stream into scratch tables for every projection and
 * compares them with the live tables row by row. Prints the differences; exits 1 when any.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../platform/config.js';
import { openOrm } from '../platform/database.js';
import { subjectsFor } from '../platform/subjects.js';
import { readMigrations } from '../read-service/migrations/index.js';
import { projections } from '../read-service/read-service.js';
import { verifyProjections } from '../read-service/verify/verify-projections.js';

const config = loadConfig();
const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
const nc = await connect({ servers: config.natsUrl.split(',') });
try {
  const report = await verifyProjections({ orm, databaseUrl: config.readDatabaseUrl, js: jetstream(nc), subjects: subjectsFor(config.namespace), projections });
  console.log(`replayed ${report.eventsReplayed} events; positions ${JSON.stringify(report.positions)}`);
  for (const difference of report.differences) {
    console.log(`\n${difference.table}: ${difference.onlyLive.length} row(s) only live, ${difference.onlyReplay.length} only in the replay`);
    for (const row of difference.onlyLive) console.log(`  live   ${JSON.stringify(row)}`);
    for (const row of difference.onlyReplay) console.log(`  replay ${JSON.stringify(row)}`);
  }
  console.log(report.differences.length === 0 ? 'no differences' : `${report.differences.length} table(s) differ`);
  process.exitCode = report.differences.length === 0 ? 0 : 1;
} finally {
  await nc.close();
  await orm.close();
}
