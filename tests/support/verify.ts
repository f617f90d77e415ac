import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Config } from '../../platform/config.js';
import { openOrm } from '../../platform/postgres/database.js';
import { subjectsFor } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { readModels as allProjections } from '../../read-service/registry.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { replayStreamAndCompare, type StreamReplayReport } from '../../read-service/verify/stream-replay.js';
import { verifyProjections, type VerifyOptions } from '../../read-service/verify/verify-projections.js';
import type { VerifyReport } from '../../read-service/verify/verify-report.js';

/** What `npm run verify` does, for a test's namespace: the read models against the event store. */
export async function verifyNamespace(
  config: Config,
  options: Partial<Pick<VerifyOptions, 'publicationWaitMs' | 'projections' | 'setBased'>> = {},
): Promise<VerifyReport> {
  const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
  const nc = await connect({ servers: config.natsUrl });
  try {
    return await verifyProjections({
      orm,
      readDatabaseUrl: config.readDatabaseUrl,
      writeDatabaseUrl: config.writeDatabaseUrl,
      js: jetstream(nc),
      jsm: await jetstreamManager(nc),
      subjects: subjectsFor(config.namespace),
      projections: allProjections,
      ...options,
    });
  } finally {
    await nc.close();
    await orm.close();
  }
}

/** The read models against a replay of the stream (what verify did before it read the event store); for tests without a write side. */
export async function replayStreamNamespace(
  config: Config,
  projections: readonly ReadModel[] = allProjections,
): Promise<StreamReplayReport> {
  const orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
  const nc = await connect({ servers: config.natsUrl });
  try {
    return await replayStreamAndCompare({
      orm,
      databaseUrl: config.readDatabaseUrl,
      js: jetstream(nc),
      subjects: subjectsFor(config.namespace),
      projections,
    });
  } finally {
    await nc.close();
    await orm.close();
  }
}
