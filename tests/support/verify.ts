import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Config } from '../../platform/config.js';
import { openOrm } from '../../platform/database.js';
import { subjectsFor } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { projections } from '../../read-service/read-service.js';
import { verifyProjections, type VerifyReport } from '../../read-service/verify/verify-projections.js';

/** What `npm run verify` does, for a test's namespace. */
export async function verifyNamespace(config: Config): Promise<VerifyReport> {
  const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
  const nc = await connect({ servers: config.natsUrl });
  try {
    return await verifyProjections({ orm, databaseUrl: config.readDatabaseUrl, js: jetstream(nc), subjects: subjectsFor(config.namespace), projections });
  } finally {
    await nc.close();
    await orm.close();
  }
}
