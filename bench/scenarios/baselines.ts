import { dropDatabase, openOrm } from '../../platform/postgres/index.js';
import { writeMigrations } from '../../write-service/index.js';
import { runScript, startServer } from '../harness/processes.js';
import type { WorkerResult } from '../load/http-worker.js';
import type { LatencySummary } from '../load/stats.js';
import type { BenchOptions } from './scenario-context.js';

/** The limits of the parts: bare HTTP, Apollo itself, NATS, PostgreSQL, and the event store's appends. */
export interface BaselineFigures {
  bareMax: number;
  apolloResult: { throughput: number; latency: LatencySummary };
  /** Apollo's constant answer at product(id)'s fixed rate: the latency floor of the HTTP + Apollo path on this machine. */
  apolloAt1000: { throughput: number; latency: LatencySummary };
  nats: { throughput: number; latency: LatencySummary };
  postgres: { throughput: number; latency: LatencySummary };
  /** The same write through our event store (group commit), with as many callers as the baseline's connections, and with 32. */
  storeAppend: { throughput: number; latency: LatencySummary };
  storeAppend32: { throughput: number; latency: LatencySummary };
}

/** The figures reported when the group does not run. */
export const NO_BASELINES: BaselineFigures = {
  bareMax: 0,
  apolloResult: { throughput: 0, latency: { p99: 0 } as LatencySummary },
  apolloAt1000: { throughput: 0, latency: { p50: 0, p99: 0 } as LatencySummary },
  nats: { throughput: 0, latency: { p99: 0 } as LatencySummary },
  postgres: { throughput: 0, latency: { p99: 0 } as LatencySummary },
  storeAppend: { throughput: 0, latency: { p99: 0 } as LatencySummary },
  storeAppend32: { throughput: 0, latency: { p99: 0 } as LatencySummary },
};

/** Group 'baselines': measured first, before the system starts, with nothing else running on the machine. */
export async function runBaselines({ step, queryWarmupS, salt, log }: BenchOptions): Promise<BaselineFigures> {
  const baselineFixtures = { productIds: ['00000000-0000-4000-8000-000000000000'], customerIds: [], orderIds: [] };
  log('baselines');
  const bare = await startServer('baselines/bare-http.js');
  const bareMax = (
    await runScript<WorkerResult>('load/http-worker.js', {
      url: bare.url,
      kind: 'bare',
      mode: 'closed',
      concurrency: 32,
      durationS: step,
      warmupS: queryWarmupS,
      fixtures: baselineFixtures,
      salt: 'baseline',
    })
  ).throughput;
  await bare.stop();
  const apollo = await startServer('baselines/apollo-constant.js');
  const apolloResult = await runScript<WorkerResult>('load/http-worker.js', {
    url: apollo.url,
    kind: 'constantProduct',
    mode: 'closed',
    concurrency: 32,
    durationS: step,
    warmupS: queryWarmupS,
    fixtures: baselineFixtures,
    salt: 'baseline',
  });
  const apolloAt1000 = await runScript<WorkerResult>('load/http-worker.js', {
    url: apollo.url,
    kind: 'constantProduct',
    mode: 'open',
    rate: 1000,
    durationS: step,
    warmupS: queryWarmupS,
    fixtures: baselineFixtures,
    salt: 'baseline',
  });
  await apollo.stop();
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const nats = await runScript<{ throughput: number; latency: LatencySummary }>('baselines/nats-request-reply.js', {
    url: natsUrl,
    durationS: step,
    inFlight: 32,
  });
  const pgUrl = `postgres://postgres@127.0.0.1:5432/bench_pg_${salt}`;
  const pgOrm = await openOrm({ url: pgUrl, entities: [], migrations: writeMigrations });
  await pgOrm.close();
  const postgres = await runScript<{ throughput: number; latency: LatencySummary }>('baselines/postgres-write.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 8,
  });
  const storeAppend = await runScript<{ throughput: number; latency: LatencySummary }>('harness/event-store-append.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 8,
  });
  const storeAppend32 = await runScript<{ throughput: number; latency: LatencySummary }>('harness/event-store-append.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 32,
  });
  await dropDatabase(pgUrl);
  return { bareMax, apolloResult, apolloAt1000, nats, postgres, storeAppend, storeAppend32 };
}
