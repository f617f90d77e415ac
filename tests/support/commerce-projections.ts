import { after, before } from 'node:test';
import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { EntityManager } from '@mikro-orm/postgresql';
import { openOrm, type Orm } from '../../platform/postgres/database.js';
import { ensureEventStream } from '../../platform/event-stream.js';
import { createLogger } from '../../platform/logger.js';
import { subjectsFor } from '../../platform/subjects.js';
import { readMigrations } from '../../read-service/migrations/index.js';
import { startProjectionRunner } from '../../read-service/projection-runner/projection-runner.js';
import { customerView } from '../../read-service/read-models/customer-view.js';
import { orderView } from '../../read-service/read-models/order-view.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { regionalSales } from '../../read-service/read-models/regional-sales.js';
import { topProducts } from '../../read-service/read-models/top-products.js';
import type { QueryDefinition } from '../../read-service/queries/query-definition.js';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import type { ViewChange } from '../../schema/views/view-change.js';
import { publishEvents } from './events.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from './namespace.js';
import { waitFor } from './wait.js';

const PROJECTIONS = [productView, orderView, customerView, regionalSales, topProducts];

/**
 * The commerce read models fed straight from the stream, in a namespace of its own for one test
 * file: call it inside the file's describe, where it adds the before and after hooks that start
 * a runner per projection and clean the namespace up. Returns the namespace's subjects and how to
 * publish events and wait for every projection, listen to view changes, and ask queries or SQL.
 */
export function commerceProjections() {
  const config = testConfig(uniqueNamespace('commerce'));
  const subjects = subjectsFor(config.namespace);
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let orm: Orm;
  let runners: { stop(): Promise<void> }[] = [];
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');

  before(async () => {
    nc = await connect({ servers: config.natsUrl });
    jsm = await ensureEventStream(nc, subjects);
    js = jetstream(nc);
    orm = await openOrm({ url: config.readDatabaseUrl, entities: [], migrations: readMigrations });
    runners = PROJECTIONS.map((projection) =>
      startProjectionRunner({ model: projection, orm, databaseUrl: config.readDatabaseUrl, nc, js, jsm, subjects, logger }),
    );
  });
  after(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await orm?.close();
    await nc?.close();
    await cleanupNamespace(config);
  });

  const em = () => orm.em.fork() as EntityManager;
  const sql = <T>(query: string, params: unknown[] = []) => em().execute<T[]>(query, params);
  const ask = <A, R>(query: QueryDefinition<A, R>, tenant: string, args: A) => query.handle(args, { tenant, em: em() });

  /** Publishes as the relay does and waits until every projection has applied (or skipped) them. */
  async function publish(events: EventEnvelope[], msgId?: (e: EventEnvelope) => string): Promise<number> {
    const last = await publishEvents(js, subjects, events, msgId);
    await waitFor(
      async () => {
        const rows = await sql<{ position: string }>('select position from projection_checkpoints where projection in (?)', [
          PROJECTIONS.map((p) => p.name),
        ]);
        return rows.length === PROJECTIONS.length && rows.every((row) => Number(row.position) >= last);
      },
      { timeoutMs: 15_000, what: `every projection to reach ${last}` },
    );
    return last;
  }

  function listen(subject: string): { changes: ViewChange[]; sub: Subscription } {
    const changes: ViewChange[] = [];
    const sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (!error) changes.push(msg.json<ViewChange>());
      },
    });
    return { changes, sub };
  }

  return { subjects, publish, listen, ask, sql };
}
