/**
 * `npm run bench [-- --quick] [-- --url http://host:port/graphql] [-- --only live,lag]`: starts the system in a
 * namespace of its own (or drives a running one), drives it from separate client processes,
 * measures it next to the limits of its parts (PostgreSQL, NATS, bare HTTP, Apollo itself), prints
 * a table with ratios and writes the raw figures to bench/results/<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { openOrm, dropDatabase } from '../platform/postgres/index.js';
import { subjectsFor } from '../platform/index.js';
import { writeMigrations } from '../write-service/index.js';
import { TestSystem } from '../tests/support/system.js';
import { createFixtures, createProducts } from './harness/fixtures.js';
import { measureLiveViews, type LiveViewsFigures } from './harness/live-views.js';
import { measureRebuild, type RebuildFigures } from './harness/rebuild.js';
import { measureScaleOut, type ScaleOutFigures } from './harness/scale-out.js';
import { measureTracingCost, type TracingCostFigures } from './harness/tracing-cost.js';
import { measureAlternatives, type AlternativesFigures, type ScenarioFigures } from './baselines/compare-alternatives.js';
import { startLagProbe, type LagFigures } from './harness/lag-probe.js';
import { measureProjectionLag, type ProjectionLag } from './harness/projection-lag.js';
import { benchDist, rssMiB, runScript, startServer } from './harness/processes.js';
import type { WorkerResult, WorkerSpec } from './load/http-worker.js';
import type { LatencySummary } from './load/stats.js';

const quick = process.argv.includes('--quick');
const urlArg = process.argv.indexOf('--url');
const externalUrl = urlArg > 0 ? process.argv[urlArg + 1] : undefined;
const onlyArg = process.argv.indexOf('--only');
/** Scenario groups to run (all by default): baselines, commands, queries, ryw, lag, live, rebuild, scale, tracing, alt. */
const only = onlyArg > 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
const runs = (group: string) => !only || only.has(group);
const baseDistArg = process.argv.indexOf('--base-dist');
/** `--base-dist <dist>`: the build of the commit before tracing, for the tracing group's baseline (see bench/README in docs/benchmarks.md). */
const baseDist = baseDistArg > 0 ? path.resolve(process.argv[baseDistArg + 1] ?? '') : undefined;
const step = quick ? 2 : 15; // seconds per measured step
/** Seconds of the same load before each query step, not counted: a first request per row fills caches and connections. */
const queryWarmupS = quick ? 1 : 2;
const salt = Date.now().toString(36);
const benchStarted = performance.now();
/** Progress on stderr, each line with the seconds since the run began. */
const log = (message: string) => process.stderr.write(`[${Math.round((performance.now() - benchStarted) / 1000)} s] ${message}\n`);

interface Row {
  scenario: string;
  target: string;
  throughput: number;
  latency: LatencySummary;
  errors: number;
  rssMiB?: Record<string, number | null>;
  note?: string;
}
const rows: Row[] = [];
const lags: Record<string, LagFigures> = {};

// The limits of the parts first, with nothing else running on the machine.
let bareMax = 0;
let apolloResult = { throughput: 0, latency: { p99: 0 } as LatencySummary };
/** Apollo's constant answer at product(id)'s fixed rate: the latency floor of the HTTP + Apollo path on this machine. */
let apolloAt1000 = { throughput: 0, latency: { p50: 0, p99: 0 } as LatencySummary };
let nats = { throughput: 0, latency: { p99: 0 } as LatencySummary };
let postgres = { throughput: 0, latency: { p99: 0 } as LatencySummary };
/** The same write through our event store (group commit), with as many callers as the baseline's connections, and with 32. */
let storeAppend = { throughput: 0, latency: { p99: 0 } as LatencySummary };
let storeAppend32 = { throughput: 0, latency: { p99: 0 } as LatencySummary };
if (runs('baselines')) {
  const baselineFixtures = { productIds: ['00000000-0000-4000-8000-000000000000'], customerIds: [], orderIds: [] };
  log('baselines');
  const bare = await startServer('baselines/bare-http.js');
  bareMax = (
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
  apolloResult = await runScript<WorkerResult>('load/http-worker.js', {
    url: apollo.url,
    kind: 'constantProduct',
    mode: 'closed',
    concurrency: 32,
    durationS: step,
    warmupS: queryWarmupS,
    fixtures: baselineFixtures,
    salt: 'baseline',
  });
  apolloAt1000 = await runScript<WorkerResult>('load/http-worker.js', {
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
  nats = await runScript<{ throughput: number; latency: LatencySummary }>('baselines/nats-request-reply.js', {
    url: natsUrl,
    durationS: step,
    inFlight: 32,
  });
  const pgUrl = `postgres://postgres@127.0.0.1:5432/bench_pg_${salt}`;
  const pgOrm = await openOrm({ url: pgUrl, entities: [], migrations: writeMigrations });
  await pgOrm.close();
  postgres = await runScript<{ throughput: number; latency: LatencySummary }>('baselines/postgres-write.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 8,
  });
  storeAppend = await runScript<{ throughput: number; latency: LatencySummary }>('harness/event-store-append.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 8,
  });
  storeAppend32 = await runScript<{ throughput: number; latency: LatencySummary }>('harness/event-store-append.js', {
    url: pgUrl,
    durationS: step,
    concurrency: 32,
  });
  await dropDatabase(pgUrl);
}

// The live-view scenario opens thousands of anonymous sockets from one address: no per-client cap; no rate limits.
const system = externalUrl
  ? undefined
  : await TestSystem.start('bench', { METRICS_PORT: '0', RATE_LIMIT: 'off', WS_MAX_CONNECTIONS_PER_CLIENT: '0' });
// Should a scenario throw, do not leave the services running.
process.once('exit', () => {
  for (const pid of Object.values(system?.pids() ?? {}))
    if (pid)
      try {
        process.kill(pid);
      } catch {
        /* gone already */
      }
});
const url = externalUrl ?? system!.graphqlUrl;
const memory = () => Object.fromEntries(Object.entries(system?.pids() ?? {}).map(([service, pid]) => [service, rssMiB(pid)]));

log(`bench: ${quick ? 'quick' : 'full'} run against ${url}`);
const fixtures = await createFixtures(url);
const drive = async (scenario: string, spec: Partial<WorkerSpec> & Pick<WorkerSpec, 'kind' | 'mode'>): Promise<WorkerResult> => {
  const result = await runScript<WorkerResult>('load/http-worker.js', {
    url,
    durationS: step,
    fixtures,
    salt: `${salt}${rows.length}`,
    ...spec,
  });
  const target = spec.mode === 'open' ? `${spec.rate}/s` : `${spec.concurrency} in flight`;
  rows.push({
    scenario,
    target,
    throughput: result.throughput,
    latency: result.latency,
    errors: result.errors,
    rssMiB: memory(),
    ...(result.errorSamples.length ? { note: result.errorSamples[0] } : {}),
  });
  log(`  ${scenario} @ ${target}: ${result.throughput}/s p50 ${result.latency.p50} p99 ${result.latency.p99} ms, errors ${result.errors}`);
  return result;
};
/** Whether the order saga has handled every order event (always true against an external system). */
const sagaCaughtUp = async (): Promise<boolean> => {
  if (!system) return true;
  const nc = await connect({ servers: system.config.natsUrl });
  try {
    const subjects = subjectsFor(system.config.namespace);
    const info = await (await jetstreamManager(nc)).consumers.info(subjects.stream, subjects.consumer('order_saga'));
    return info.num_pending === 0 && info.num_ack_pending === 0;
  } catch {
    return true;
  } finally {
    await nc.close();
  }
};
/** Waits until the saga and every read model have caught up (twice in a row), so that one scenario's backlog does not weigh on the next. */
const settleLimitS = quick ? 180 : 600;
const settle = async () => {
  let quiet = 0;
  const started = Date.now();
  for (const deadline = started + settleLimitS * 1000; Date.now() < deadline && quiet < 2;) {
    const response = await fetch(system?.graphqlUrl ?? url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ projections { lag } }' }),
    });
    const body = (await response.json()) as { data?: { projections: { lag: number }[] } };
    const sagaIdle = await sagaCaughtUp();
    quiet = sagaIdle && body.data?.projections.every((p) => p.lag === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (quiet < 2) log(`  (read models still behind after ${settleLimitS} s)`);
  else if (Date.now() - started > 10_000) log(`  (caught up after ${Math.round((Date.now() - started) / 1000)} s)`);
};
/** Steps the open-model rate up until p99 passes `limitMs` or errors pass 1%; returns the last rate that held. */
const maxSustained = async (scenario: string, kind: WorkerSpec['kind'], rates: number[], limitMs: number) => {
  let best = 0;
  for (const rate of rates) {
    await settle();
    const result = await drive(`${scenario} (search)`, { kind, mode: 'open', rate });
    if (result.latency.p99 > limitMs || result.errors > result.sent * 0.01) break;
    best = result.throughput;
  }
  return best;
};

/** The commands' ladder (ours and the CRUD service's): rates stepped through from the highest fixed rate that held, or from well below the lowest. */
const commandLadder = quick ? [150, 375] : [100, 150, 200, 300, 375, 450, 625, 750, 1250, 1500];
let commandsMax = 0;
if (runs('commands')) {
  // 1. Commands: a mix of createProduct, restockProduct and placeOrder at fixed arrival rates,
  //    then the highest rate whose p99 stays under 100 ms (stepping up from the fixed ones).
  const failedRates: number[] = [];
  for (const rate of quick ? [250, 500] : [250, 500, 1000]) {
    // The first step warms up like the query steps (cold caches, pools and JIT are not the
    // steady state); later steps start warm, and a warm-up at a rate the system cannot hold
    // would only add a backlog.
    const result = await drive('commands mix', {
      kind: 'commandMix',
      mode: 'open',
      rate,
      ...(rate === 250 ? { warmupS: queryWarmupS } : {}),
    });
    if (result.latency.p99 <= 100 && result.errors <= result.sent * 0.01) commandsMax = Math.max(commandsMax, result.throughput);
    else failedRates.push(rate);
    await settle();
  }
  // Step up from the highest fixed rate that held, or from well below the lowest when none did.
  commandsMax = Math.max(
    commandsMax,
    await maxSustained(
      'commands mix',
      'commandMix',
      commandLadder.filter((rate) => rate > commandsMax && !failedRates.some((failed) => rate >= failed)),
      100,
    ),
  );

  await settle();
}

let productMax = 0;
let productAt1000P99 = 0;
let searchMax = 0;
let orderMax = 0;
if (runs('queries')) {
  // 2. Queries.
  productAt1000P99 = (await drive('product(id)', { kind: 'productById', mode: 'open', rate: 1000, warmupS: queryWarmupS })).latency.p99;
  productMax = (await drive('product(id) max', { kind: 'productById', mode: 'closed', concurrency: 32, warmupS: queryWarmupS })).throughput;
  searchMax = (
    await drive('products(search, filter) max', { kind: 'productSearch', mode: 'closed', concurrency: 32, warmupS: queryWarmupS })
  ).throughput;
  orderMax = (
    await drive('order(id) with lines.product max', { kind: 'orderWithLines', mode: 'closed', concurrency: 32, warmupS: queryWarmupS })
  ).throughput;

  await settle();
}

if (runs('ryw')) {
  // 3. Read-your-writes: a mutation then a query with its token.
  await drive('read-your-writes round trip', { kind: 'readYourWrites', mode: 'open', rate: 200 });
}

// 4. Projection lag: events published straight into the stream at fixed rates until their
//    view change is announced; then mutation -> push as a subscriber sees it, at a moderate rate.
const projectionLags: ProjectionLag[] = [];
if (!externalUrl && runs('lag')) {
  await settle();
  const probe = await startLagProbe(system!.config.natsUrl, subjectsFor(system!.config.namespace));
  await drive('restocks while watching views', { kind: 'restockProduct', mode: 'open', rate: 200 });
  lags['200/s'] = await probe.stop();
  for (const rate of quick ? [500, 1000] : [500, 1000, 2000]) {
    await settle();
    const lag = await measureProjectionLag(system!.config.natsUrl, subjectsFor(system!.config.namespace), rate, step);
    projectionLags.push(lag);
    log(
      `  projection lag @ ${rate}/s: ${lag.applied}/${lag.published} applied, p50 ${lag.publishToCommit.p50} p99 ${lag.publishToCommit.p99} ms`,
    );
  }
}

// 5. Live views: thousands of graphql-ws subscribers spread over 1,000 products (100 changes/s),
//    then all on one product (1 change/s). Restarts the gateway, so it runs after the others.
const liveViews: LiveViewsFigures[] = [];
if (!externalUrl && runs('live')) {
  await settle();
  const spread = await createProducts(system!.graphqlUrl, 1000, `LV-${salt}`.toUpperCase());
  const hot = await createProducts(system!.graphqlUrl, 1, `HOT-${salt}`.toUpperCase());
  const most = quick ? 1000 : 10_000;
  const phases = [
    ...(quick ? [1000] : [1000, 5000, 10_000]).map((subscribers) => ({ productIds: spread, subscribers, changesPerSecond: 100 })),
    ...(quick ? [1000] : [1000, 10_000]).map((subscribers) => ({ productIds: hot, subscribers, changesPerSecond: 1 })),
    // The limit of the parts: the same subscribers on a bare WebSocket broadcaster of the same notices.
    { productIds: spread, subscribers: most, changesPerSecond: 100, baseline: true },
    { productIds: hot, subscribers: most, changesPerSecond: 1, baseline: true },
  ];
  for (const phase of phases) {
    await settle();
    const figures = await measureLiveViews({
      system: system!,
      durationS: Math.min(step, 10),
      salt: `${salt}lv${liveViews.length}`,
      ...phase,
    });
    liveViews.push(figures);
    log(
      `  live views (${figures.server}) ${figures.shape} ${figures.subscribers} subscribers: push p50 ${figures.push.p50} p99 ${figures.push.p99} ms, delivered ${figures.delivered}, lost ${figures.lost}, reordered ${figures.reordered}, ${figures.kibPerSubscriber} KiB/subscriber`,
    );
  }
}

// 6. Rebuild: the product view replayed blue/green over at least 100,000 events.
let rebuild: (RebuildFigures & { all?: RebuildFigures }) | undefined;
if (!externalUrl && runs('rebuild')) {
  await settle();
  rebuild = await measureRebuild({
    natsUrl: system!.config.natsUrl,
    subjects: subjectsFor(system!.config.namespace),
    readDatabaseUrl: system!.config.readDatabaseUrl,
    events: quick ? 20_000 : 100_000,
  });
  log(`  rebuild ${rebuild.projection}: ${rebuild.events} events in ${rebuild.seconds} s, ${rebuild.eventsPerSecond}/s`);
}

// 7. Scale-out: two replicas of each service against one.
let scaleOut: ScaleOutFigures | undefined;
if (!externalUrl && runs('scale')) {
  await settle();
  scaleOut = await measureScaleOut({ system: system!, fixtures, durationS: step, salt: `${salt}so`, settle });
  log(`  scale-out: ${JSON.stringify(scaleOut)}`);
}

// 8. Tracing: before it was built in (--base-dist), off, and on at 100% sampling.
let tracingCost: TracingCostFigures | undefined;
if (!externalUrl && runs('tracing')) {
  await settle();
  tracingCost = await measureTracingCost({
    durationS: step,
    warmupS: queryWarmupS,
    rounds: quick ? 1 : 2,
    salt: `${salt}tr`,
    ...(baseDist ? { baseDist } : {}),
    log,
  });
}

// What a team would otherwise write: a CRUD service on the same stack, PostGraphile over our read tables.
let alternatives: AlternativesFigures | undefined;
if (runs('alt')) {
  await settle();
  alternatives = await measureAlternatives({
    step,
    warmupS: queryWarmupS,
    commandLadder,
    salt: `${salt}alt`,
    ...(system ? { readDatabaseUrl: system.config.readDatabaseUrl } : {}),
  });
}
const crud = alternatives && !('skipped' in alternatives.crud) ? alternatives.crud : undefined;
const postgraphile = alternatives && !('skipped' in alternatives.postgraphile) ? alternatives.postgraphile : undefined;

const ratio = (ours: number, theirs: number) => (theirs > 0 ? Math.round((ours / theirs) * 100) / 100 : 0);
const comparisons = [
  {
    what: 'commands max sustained (p99 < 100 ms) / PostgreSQL write pattern at 8 connections',
    ours: commandsMax,
    theirs: postgres.throughput,
    ratio: ratio(commandsMax, postgres.throughput),
  },
  {
    what: 'event store appends, 8 callers (group commit) / PostgreSQL write pattern at 8 connections',
    ours: storeAppend.throughput,
    theirs: postgres.throughput,
    ratio: ratio(storeAppend.throughput, postgres.throughput),
  },
  {
    what: 'event store appends, 32 callers (group commit) / PostgreSQL write pattern at 8 connections',
    ours: storeAppend32.throughput,
    theirs: postgres.throughput,
    ratio: ratio(storeAppend32.throughput, postgres.throughput),
  },
  {
    what: 'product(id) max / Apollo Server constant answer',
    ours: productMax,
    theirs: apolloResult.throughput,
    ratio: ratio(productMax, apolloResult.throughput),
  },
  {
    what: 'product(id) p99 at 1000/s / Apollo Server constant answer p99 at 1000/s (ms)',
    ours: productAt1000P99,
    theirs: apolloAt1000.latency.p99,
    ratio: ratio(productAt1000P99, apolloAt1000.latency.p99),
  },
  { what: 'product(id) max / bare Node HTTP', ours: productMax, theirs: bareMax, ratio: ratio(productMax, bareMax) },
  {
    what: 'product(id) max / NATS request-reply (32 in flight)',
    ours: productMax,
    theirs: nats.throughput,
    ratio: ratio(productMax, nats.throughput),
  },
  { what: 'products(search) max / product(id) max', ours: searchMax, theirs: productMax, ratio: ratio(searchMax, productMax) },
  { what: 'order(id) with lines.product max / product(id) max', ours: orderMax, theirs: productMax, ratio: ratio(orderMax, productMax) },
  ...(crud
    ? [
        {
          what: 'commands max sustained (p99 < 100 ms) / CRUD service',
          ours: commandsMax,
          theirs: crud.commandsMaxSustained,
          ratio: ratio(commandsMax, crud.commandsMaxSustained),
        },
        {
          what: 'product(id) max / CRUD service',
          ours: productMax,
          theirs: crud.productByIdMax.throughput,
          ratio: ratio(productMax, crud.productByIdMax.throughput),
        },
        {
          what: 'products(search) max / CRUD service',
          ours: searchMax,
          theirs: crud.productSearchMax.throughput,
          ratio: ratio(searchMax, crud.productSearchMax.throughput),
        },
        {
          what: 'order(id) with lines.product max / CRUD service',
          ours: orderMax,
          theirs: crud.orderWithLinesMax.throughput,
          ratio: ratio(orderMax, crud.orderWithLinesMax.throughput),
        },
      ]
    : []),
  ...(postgraphile
    ? [
        {
          what: `product(id) max / PostGraphile ${postgraphile.version}`,
          ours: productMax,
          theirs: postgraphile.productByIdMax.throughput,
          ratio: ratio(productMax, postgraphile.productByIdMax.throughput),
        },
        {
          what: `products(search) max / PostGraphile ${postgraphile.version}`,
          ours: searchMax,
          theirs: postgraphile.productSearchMax.throughput,
          ratio: ratio(searchMax, postgraphile.productSearchMax.throughput),
        },
      ]
    : []),
];

await system?.stop();

const pad = (value: unknown, width: number) => String(value).padEnd(width);
const table = [
  `${pad('scenario', 36)} ${pad('target', 14)} ${pad('thru/s', 8)} ${pad('p50', 8)} ${pad('p95', 8)} ${pad('p99', 8)} ${pad('mean', 8)} ${pad('errors', 7)} RSS MiB (gateway/write/read)`,
  ...rows.map(
    (r) =>
      `${pad(r.scenario, 36)} ${pad(r.target, 14)} ${pad(r.throughput, 8)} ${pad(r.latency.p50, 8)} ${pad(r.latency.p95, 8)} ${pad(r.latency.p99, 8)} ${pad(r.latency.mean, 8)} ${pad(r.errors, 7)} ${r.rssMiB ? `${r.rssMiB.gateway}/${r.rssMiB.write}/${r.rssMiB.read}` : ''}`,
  ),
  '',
  'projection lag: publish -> view committed and announced (ms)',
  ...projectionLags.map(
    (lag) =>
      `${pad(`at ${lag.rate} events/s`, 36)} p50 ${lag.publishToCommit.p50}  p95 ${lag.publishToCommit.p95}  p99 ${lag.publishToCommit.p99}  (${lag.applied}/${lag.published} applied)`,
  ),
  'live views: projection announces a change -> pushed to each subscriber (ms)',
  ...liveViews.map(
    (v) =>
      `${pad(`${v.server}: ${v.shape}, ${v.subscribers} subscribers on ${v.products} product(s), ${v.changesPerSecond} changes/s`, 76)} p50 ${v.push.p50}  p95 ${v.push.p95}  p99 ${v.push.p99}  delivered ${v.delivered}  lost ${v.lost}  reordered ${v.reordered}  connect ${v.connectS} s  RSS ${v.gatewayRssMiB.before}->${v.gatewayRssMiB.connected}->${v.gatewayRssMiB.after} MiB (${v.kibPerSubscriber} KiB/subscriber)`,
  ),
  ...(scaleOut
    ? [
        'scale-out (closed model, 32 in flight): one replica of each service -> two (load split over both gateways); share of requests each replica served',
        ...Object.keys(scaleOut.oneReplica).map(
          (name) =>
            `${pad(name, 36)} ${scaleOut.oneReplica[name]}/s -> ${scaleOut.twoReplicas[name]}/s  shares ${Object.entries(
              scaleOut.shares[name] ?? {},
            )
              .map(([service, s]) => `${service} ${s.shares.join('/')}`)
              .join(', ')}`,
        ),
        `${pad('leaders of write and read killed', 36)} ${scaleOut.killed.rate}/s offered: ${scaleOut.killed.ok} ok, ${scaleOut.killed.errors} errors (${scaleOut.killed.errorSamples.join(', ')}), p99 ${scaleOut.killed.p99} ms`,
        '',
      ]
    : []),
  ...(tracingCost
    ? [
        `tracing (closed model, 32 in flight, best of ${tracingCost.rounds} round(s)); ratio to ${tracingCost.ratios[0]!.config}`,
        ...tracingCost.results.map(
          (r, i) =>
            `${pad(r.config, 36)} product(id) max ${r.productMax}/s (p99 ${r.productP99} ms, x${tracingCost.ratios[i]!.product})  commands mix max ${r.commandsMax}/s (p99 ${r.commandsP99} ms, x${tracingCost.ratios[i]!.commands})`,
        ),
        '',
      ]
    : []),
  ...(rebuild
    ? [
        `${pad(`rebuild of ${rebuild.projection}`, 36)} ${rebuild.events} events in ${rebuild.seconds} s: ${rebuild.eventsPerSecond} events/s`,
        '',
      ]
    : []),
  'mutation -> view change (ms)         command->view p50 / p99      publish->view p50 / p99',
  ...Object.entries(lags).map(
    ([rate, lag]) =>
      `${pad(`restocks at ${rate}`, 36)} ${pad(`${lag.commandToView.p50} / ${lag.commandToView.p99}`, 28)} ${lag.publishToView.p50} / ${lag.publishToView.p99}`,
  ),
  '',
  ...(alternatives
    ? [
        'alternatives (same workers and requests)',
        ...[
          ...(crud
            ? [
                crud.commandsAt250,
                crud.commandsAt500,
                ...crud.commandSteps,
                crud.productByIdAt1000,
                crud.productByIdMax,
                crud.productSearchMax,
                crud.orderWithLinesMax,
              ].map((f) => ['CRUD', f] as const)
            : []),
          ...(postgraphile
            ? [postgraphile.productByIdAt1000, postgraphile.productByIdMax, postgraphile.productSearchMax].map(
                (f) => ['PostGraphile', f] as const,
              )
            : []),
        ].map(
          ([who, f]: readonly [string, ScenarioFigures]) =>
            `${pad(`${who}: ${f.scenario}`, 44)} ${pad(f.target, 14)} ${pad(f.throughput, 8)} p50 ${f.latency.p50}  p99 ${f.latency.p99}  errors ${f.errors}  RSS ${f.rssMiB} MiB`,
        ),
        ...(['crud', 'postgraphile'] as const)
          .filter((k) => 'skipped' in alternatives[k])
          .map((k) => `${k}: skipped (${(alternatives[k] as { skipped: string }).skipped})`),
        '',
      ]
    : []),
  'baselines: bare HTTP ' +
    bareMax +
    '/s; Apollo constant ' +
    apolloResult.throughput +
    '/s (p99 ' +
    apolloResult.latency.p99 +
    ' ms), at 1000/s p50 ' +
    apolloAt1000.latency.p50 +
    ' p99 ' +
    apolloAt1000.latency.p99 +
    ' ms; NATS request/reply ' +
    nats.throughput +
    '/s (p99 ' +
    nats.latency.p99 +
    ' ms); PostgreSQL write pattern ' +
    postgres.throughput +
    ' tx/s (p99 ' +
    postgres.latency.p99 +
    ' ms); event store appends ' +
    storeAppend.throughput +
    '/s with 8 callers (p99 ' +
    storeAppend.latency.p99 +
    ' ms), ' +
    storeAppend32.throughput +
    '/s with 32 (p99 ' +
    storeAppend32.latency.p99 +
    ' ms)',
  '',
  'ratios (ours / theirs)',
  ...comparisons.map((c) => `${pad(c.what, 84)} ${pad(`${c.ours} / ${c.theirs}`, 18)} ${c.ratio}`),
].join('\n');
process.stdout.write(`\n${table}\n`);

const resultsDir = path.resolve(benchDist, '../../bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      at: new Date().toISOString(),
      quick,
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      rows,
      projectionLags,
      lags,
      liveViews,
      rebuild,
      scaleOut,
      tracingCost,
      alternatives,
      baselines: {
        bareHttp: bareMax,
        apolloConstant: apolloResult,
        apolloConstantAt1000: apolloAt1000,
        nats,
        postgres,
        storeAppend,
        storeAppend32,
      },
      comparisons,
    },
    null,
    2,
  ),
);
process.stdout.write(`\nraw figures: ${path.relative(process.cwd(), file)}\n`);
