import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PrivatePostgres } from '../support/private-postgres.js';
import { waitFor } from '../support/wait.js';
import { FaultHarness } from './fault-harness.js';
import { CHECKER } from './invariants.js';
import { FaultRun } from './scenario.js';

/**
 * On a PostgreSQL cluster of this file's own (the machine's shared one is never restarted, and
 * other runs' backends are never terminated): the write-service uses only the write database,
 * the read-service only the read database, so terminating a database's backends hits one service.
 */
describe('faults: PostgreSQL connections terminated under each service, and PostgreSQL restarted', () => {
  let cluster: PrivatePostgres;
  let harness: FaultHarness;
  const run = new FaultRun('PostgreSQL faults');
  before(async () => {
    cluster = await PrivatePostgres.start();
    const namespace = `fpg_${Date.now().toString(36)}`;
    harness = await FaultHarness.start('fpostgres', {
      writeDatabaseUrl: cluster.url(`${namespace}_write`),
      readDatabaseUrl: cluster.url(`${namespace}_read`),
    });
  });
  after(async () => {
    run.table.print();
    await harness?.stop();
    await cluster?.destroy();
  });

  /** pg_terminate_backend on every connection to `database` but the checker's; returns how many. */
  const terminate = async (database: string): Promise<number> => {
    const admin = new pg.Client({ connectionString: cluster.url('postgres'), application_name: CHECKER });
    await admin.connect();
    try {
      const result = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = $1 and pid <> pg_backend_pid() and coalesce(application_name, '') <> $2`,
        [database, CHECKER],
      );
      return result.rowCount ?? 0;
    } finally {
      await admin.end();
    }
  };
  const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

  for (const [service, label] of [
    ['write', 'write-service'],
    ['read', 'read-service'],
  ] as const) {
    it(`every PostgreSQL connection of the ${label} terminated: nothing lost, duplicated or stuck`, async () => {
      const { config } = harness.system;
      const database = databaseOf(service === 'write' ? config.writeDatabaseUrl : config.readDatabaseUrl);
      await run.run(harness, {
        name: `pg_terminate_backend: ${label}`,
        // A pool may hold no connection for a moment: terminate as soon as there is one to terminate.
        inject: async () => {
          await waitFor(async () => (await terminate(database)) > 0, {
            timeoutMs: 10_000,
            intervalMs: 50,
            what: `a connection of the ${label} to ${database} to terminate`,
          });
        },
      });
    });
  }

  it('PostgreSQL restarted (a crash, then a clean restart in later rounds): nothing lost, duplicated or stuck', async () => {
    await run.run(harness, {
      name: 'PostgreSQL restart',
      // Round 1 (and odd rounds): immediate stop, i.e. a crash with recovery from the WAL.
      inject: (round) => cluster.restart(round % 2 === 1 ? 'immediate' : 'fast'),
      convergeWithinMs: 30_000,
    });
  });
});
