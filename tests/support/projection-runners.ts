import { after, before } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { subjectsFor } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import type { ReadModel } from '../../read-service/read-models/read-model.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from './namespace.js';

export interface ProjectionRunnersOptions {
  /** The read database pool's size (the ORM's default when absent). */
  poolSize?: number;
  /** Runs once the read database is migrated, before the runners start: tables of test read models. */
  prepare?: () => Promise<void>;
}

/**
 * Live runners of the given projections, fed from the stream of a namespace of their own, for one
 * test file: call it inside the file's describe, where it adds the before hook that connects,
 * migrates the read database and starts a runner per projection, and the after hook that stops
 * them and drops the namespace. The connections and the ORM are there once the before hook has run.
 */
export function projectionRunners(label: string, projections: readonly ReadModel[], options: ProjectionRunnersOptions = {}) {
  const config = testConfig(uniqueNamespace(label));
  const subjects = subjectsFor(config.namespace);
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let runners: { stop(): Promise<void> }[] = [];

  /** Starts a live runner of one projection (the caller stops it). */
  const start = (projection: ReadModel) =>
    startProjectionRunner({ model: projection, orm, databaseUrl: config.readDatabaseUrl, nc, js, jsm, subjects, logger });

  before(async () => {
    nc = await connect({ servers: config.natsUrl });
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations, poolSize: options.poolSize });
    await options.prepare?.();
    runners = projections.map(start);
  });
  after(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await orm?.close();
    await nc?.close();
    await cleanupNamespace(config);
  });

  return {
    config,
    subjects,
    logger,
    start,
    get nc() {
      return nc;
    },
    get js() {
      return js;
    },
    get jsm() {
      return jsm;
    },
    get orm() {
      return orm;
    },
  };
}
