/**
 * What a team would otherwise write, measured under the same conditions as the project (the
 * same worker processes, request builders, 32 in flight or the same open-model rates):
 * - crud: a plain CRUD service on the same stack (bench/baselines/crud), on a database of its
 *   own created and dropped here, driven through the same scenarios as ours;
 * - postgraphile: PostGraphile over the project's read tables (the database our projections
 *   filled), for product by id and the product search.
 * Each is started, given its fixtures, measured, stopped and cleaned up; a failure is reported as
 * `{ skipped: reason }` rather than thrown, so that the rest of a bench run stands.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { dropDatabase, ensureDatabase } from '../../platform/postgres/index.js';
import { rssMiB, runScript, startServer } from '../harness/processes.js';
import type { WorkerResult, WorkerSpec } from '../load/http-worker.js';
import type { Fixtures } from '../load/requests.js';
import type { LatencySummary } from '../load/stats.js';
import { createFixtures } from '../harness/fixtures.js';
import { createPostgraphileFixtures } from './postgraphile/fixtures.js';
import { createSearchFunction, dropSearchFunction, SEARCH_SCHEMA } from './postgraphile/search-function.js';

export interface AlternativesOptions {
  /** Seconds per measured step. */
  step: number;
  /** Warm-up seconds before each query step and the first commands step, as for ours. */
  warmupS: number;
  /** The commands' ladder, the same as ours. */
  commandLadder: number[];
  /** The read database our projections filled; PostGraphile is skipped without it. */
  readDatabaseUrl?: string;
  /** Makes SKUs and database names unique to the run. */
  salt: string;
}

export interface ScenarioFigures {
  scenario: string;
  /** `32 in flight` or `250/s`. */
  target: string;
  throughput: number;
  latency: LatencySummary;
  sent: number;
  errors: number;
  /** Resident memory of the server process after the step. */
  rssMiB: number | null;
  note?: string;
}

export interface CrudFigures {
  commandsAt250: ScenarioFigures;
  commandsAt500: ScenarioFigures;
  /** The rates stepped through (above 500/s, or below the first fixed rate that failed), up to the first that failed. */
  commandSteps: ScenarioFigures[];
  /** The highest throughput of a step with p99 <= 100 ms and at most 1% errors (0 if none held). */
  commandsMaxSustained: number;
  productByIdAt1000: ScenarioFigures;
  productByIdMax: ScenarioFigures;
  productSearchMax: ScenarioFigures;
  orderWithLinesMax: ScenarioFigures;
}

export interface PostgraphileFigures {
  /** The PostGraphile release measured. */
  version: string;
  productByIdAt1000: ScenarioFigures;
  productByIdMax: ScenarioFigures;
  productSearchMax: ScenarioFigures;
}

export interface Skipped {
  skipped: string;
}

export interface AlternativesFigures {
  crud: CrudFigures | Skipped;
  postgraphile: PostgraphileFigures | Skipped;
}

const P99_LIMIT_MS = 100;
const log = (message: string) => process.stderr.write(`${message}\n`);

/** The version of the PostGraphile package installed. */
export function postgraphileVersion(): string {
  const entry = createRequire(import.meta.url).resolve('postgraphile');
  return (JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

type Drive = (scenario: string, spec: Pick<WorkerSpec, 'kind' | 'mode'> & Partial<WorkerSpec>) => Promise<ScenarioFigures>;

/** One worker run per scenario against `url`, each with a salt of its own. */
function driver(label: string, url: string, pid: number, fixtures: Fixtures, options: AlternativesOptions): Drive {
  let runs = 0;
  return async (scenario, spec) => {
    runs += 1;
    const result = await runScript<WorkerResult>('load/http-worker.js', {
      url,
      durationS: options.step,
      fixtures,
      salt: `${options.salt}a${runs}`,
      ...spec,
    });
    const target = spec.mode === 'open' ? `${spec.rate}/s` : `${spec.concurrency} in flight`;
    const figures: ScenarioFigures = {
      scenario,
      target,
      throughput: result.throughput,
      latency: result.latency,
      sent: result.sent,
      errors: result.errors,
      rssMiB: rssMiB(pid),
      ...(result.errorSamples.length ? { note: result.errorSamples[0] } : {}),
    };
    log(
      `  ${label}: ${scenario} @ ${target}: ${figures.throughput}/s p50 ${figures.latency.p50} p99 ${figures.latency.p99} ms, errors ${figures.errors}`,
    );
    return figures;
  };
}

const holds = (figures: ScenarioFigures) => figures.latency.p99 <= P99_LIMIT_MS && figures.errors <= figures.sent * 0.01;

async function measureCrud(options: AlternativesOptions): Promise<CrudFigures> {
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/bench_crud_${options.salt.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
  await ensureDatabase(databaseUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer('baselines/crud/server.js', { args: [JSON.stringify({ databaseUrl })] });
    log('  crud: creating fixtures');
    // The CRUD service answers createProduct, registerCustomer and placeOrder with our shapes: our fixture builder serves it.
    const drive = driver('crud', server.url, server.pid, await createFixtures(server.url), options);

    // Commands: the mix at 250/s and 500/s, then stepping up while p99 stays under 100 ms.
    const commandsAt250 = await drive('commands mix', { kind: 'commandMix', mode: 'open', rate: 250, warmupS: options.warmupS });
    const commandsAt500 = await drive('commands mix', { kind: 'commandMix', mode: 'open', rate: 500 });
    const commandSteps: ScenarioFigures[] = [];
    let commandsMaxSustained = 0;
    const fixed = [
      [250, commandsAt250],
      [500, commandsAt500],
    ] as const;
    for (const [, figures] of fixed) if (holds(figures)) commandsMaxSustained = Math.max(commandsMaxSustained, figures.throughput);
    // Step up from the highest fixed rate that held, or from well below the lowest when none did, as for ours.
    const firstFailed = fixed.find(([, figures]) => !holds(figures))?.[0] ?? Infinity;
    for (const rate of options.commandLadder.filter((step) => step > commandsMaxSustained && step < firstFailed)) {
      const figures = await drive('commands mix (search)', { kind: 'commandMix', mode: 'open', rate });
      commandSteps.push(figures);
      if (!holds(figures)) break;
      commandsMaxSustained = Math.max(commandsMaxSustained, figures.throughput);
    }

    // Queries.
    const productByIdAt1000 = await drive('product(id)', { kind: 'productById', mode: 'open', rate: 1000, warmupS: options.warmupS });
    const productByIdMax = await drive('product(id) max', {
      kind: 'productById',
      mode: 'closed',
      concurrency: 32,
      warmupS: options.warmupS,
    });
    const productSearchMax = await drive('products(search, filter) max', {
      kind: 'productSearch',
      mode: 'closed',
      concurrency: 32,
      warmupS: options.warmupS,
    });
    const orderWithLinesMax = await drive('order(id) with lines.product max', {
      kind: 'orderWithLines',
      mode: 'closed',
      concurrency: 32,
      warmupS: options.warmupS,
    });
    return {
      commandsAt250,
      commandsAt500,
      commandSteps,
      commandsMaxSustained,
      productByIdAt1000,
      productByIdMax,
      productSearchMax,
      orderWithLinesMax,
    };
  } finally {
    await server?.stop();
    await dropDatabase(databaseUrl);
  }
}

async function measurePostgraphile(options: AlternativesOptions & { readDatabaseUrl: string }): Promise<PostgraphileFigures> {
  const version = postgraphileVersion();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await createSearchFunction(options.readDatabaseUrl);
    server = await startServer('baselines/postgraphile/server.js', {
      args: [JSON.stringify({ databaseUrl: options.readDatabaseUrl, schemas: ['public', SEARCH_SCHEMA] })],
      env: { GRAPHILE_ENV: 'production' },
    });
    const drive = driver(`postgraphile ${version}`, server.url, server.pid, await createPostgraphileFixtures(server.url), options);
    const productByIdAt1000 = await drive('product(id)', {
      kind: 'postgraphileProductById',
      mode: 'open',
      rate: 1000,
      warmupS: options.warmupS,
    });
    const productByIdMax = await drive('product(id) max', {
      kind: 'postgraphileProductById',
      mode: 'closed',
      concurrency: 32,
      warmupS: options.warmupS,
    });
    const productSearchMax = await drive('products(search, filter) max', {
      kind: 'postgraphileProductSearch',
      mode: 'closed',
      concurrency: 32,
      warmupS: options.warmupS,
    });
    return { version, productByIdAt1000, productByIdMax, productSearchMax };
  } finally {
    await server?.stop();
    await dropSearchFunction(options.readDatabaseUrl);
  }
}

const skipped = (what: string, error: unknown): Skipped => {
  const reason = error instanceof Error ? error.message : String(error);
  log(`  ${what} skipped: ${reason}`);
  return { skipped: reason };
};

/** Measures the CRUD baseline, then PostGraphile (over `readDatabaseUrl`), one after the other. */
export async function measureAlternatives(options: AlternativesOptions): Promise<AlternativesFigures> {
  log('alternatives: CRUD service (Apollo + MikroORM, no events)');
  const crud = await measureCrud(options).catch((error: unknown) => skipped('crud', error));
  const { readDatabaseUrl } = options;
  if (!readDatabaseUrl) return { crud, postgraphile: { skipped: 'no read database to serve (driving an external system)' } };
  log('alternatives: PostGraphile over the read tables');
  const postgraphile = await measurePostgraphile({ ...options, readDatabaseUrl }).catch((error: unknown) => skipped('postgraphile', error));
  return { crud, postgraphile };
}
