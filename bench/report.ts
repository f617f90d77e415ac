import type { ScenarioFigures, AlternativesFigures } from './baselines/compare-alternatives.js';
import type { LagFigures } from './harness/lag-probe.js';
import type { LiveViewsFigures } from './harness/live-views.js';
import type { ProjectionLag } from './harness/projection-lag.js';
import type { ScaleOutFigures } from './harness/scale-out.js';
import type { TracingCostFigures } from './harness/tracing-cost.js';
import type { BaselineFigures } from './scenarios/baselines.js';
import type { QueryFigures } from './scenarios/queries.js';
import type { RebuildGroupFigures } from './scenarios/rebuild.js';
import type { Row } from './scenarios/scenario-context.js';

/** Everything a run measured; a group that did not run leaves its defaults (zeros, empty, undefined). */
export interface BenchFigures {
  rows: Row[];
  baselines: BaselineFigures;
  commandsMax: number;
  queries: QueryFigures;
  lags: Record<string, LagFigures>;
  projectionLags: ProjectionLag[];
  liveViews: LiveViewsFigures[];
  rebuild: RebuildGroupFigures | undefined;
  scaleOut: ScaleOutFigures | undefined;
  tracingCost: TracingCostFigures | undefined;
  alternatives: AlternativesFigures | undefined;
}

/** One ratio of the report: our figure against the limit of a part or an alternative. */
export interface Comparison {
  what: string;
  ours: number;
  theirs: number;
  ratio: number;
}

/** The alternatives that ran (not skipped). */
function ranAlternatives(alternatives: AlternativesFigures | undefined) {
  const crud = alternatives && !('skipped' in alternatives.crud) ? alternatives.crud : undefined;
  const postgraphile = alternatives && !('skipped' in alternatives.postgraphile) ? alternatives.postgraphile : undefined;
  return { crud, postgraphile };
}

const ratio = (ours: number, theirs: number) => (theirs > 0 ? Math.round((ours / theirs) * 100) / 100 : 0);

/** Ours against the limits of the parts and against the alternatives that ran. */
export function comparisons({ baselines, commandsMax, queries, alternatives }: BenchFigures): Comparison[] {
  const { bareMax, apolloResult, apolloAt1000, nats, postgres, storeAppend, storeAppend32 } = baselines;
  const { productMax, productAt1000P99, searchMax, orderMax } = queries;
  const { crud, postgraphile } = ranAlternatives(alternatives);
  return [
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
}

/** The text table of a run: each driven step, then the other groups' figures, the baselines and the ratios. */
export function reportTable(figures: BenchFigures, compared: Comparison[]): string {
  const { rows, lags, projectionLags, liveViews, rebuild, scaleOut, tracingCost, alternatives } = figures;
  const { bareMax, apolloResult, apolloAt1000, nats, postgres, storeAppend, storeAppend32 } = figures.baselines;
  const { crud, postgraphile } = ranAlternatives(alternatives);
  const pad = (value: unknown, width: number) => String(value).padEnd(width);
  return [
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
          `tracing (closed model, 32 in flight; ${tracingCost.replicas} system(s) per configuration side by side, ${tracingCost.rounds} round(s) of ${tracingCost.sliceS} s slices taking turns); ratio to ${tracingCost.ratios[0]!.config} (rounds' lowest-highest)`,
          ...tracingCost.results.map((r, i) => {
            const ratio = tracingCost.ratios[i]!;
            return (
              `${pad(r.config, 36)} product(id) max ${r.productMax}/s (p99 ${r.productP99} ms, x${ratio.product} ${ratio.productRange.join('-')}; CPU ${r.productCpuUs} µs/req, x${ratio.productCpu}; event loops ${r.productLoopUs} µs/req, x${ratio.productLoop}; machine ${r.productMachineUs} µs/req: x${ratio.productByMachine} throughput)` +
              `  commands mix max ${r.commandsMax}/s (p99 ${r.commandsP99} ms, x${ratio.commands} ${ratio.commandsRange.join('-')}; CPU ${r.commandsCpuUs} µs/req, x${ratio.commandsCpu}; event loops ${r.commandsLoopUs} µs/req, x${ratio.commandsLoop}; machine ${r.commandsMachineUs} µs/req: x${ratio.commandsByMachine} throughput)` +
              (r.productByReplica.length > 1
                ? `  by system: product(id) ${r.productByReplica.join(' / ')}/s, commands mix ${r.commandsByReplica.join(' / ')}/s`
                : '')
            );
          }),
          ...(tracingCost.sameProcess
            ? [
                (({
                  product,
                  productRange,
                  productCpu,
                  productLoop,
                  productExportBytes,
                  commands,
                  commandsRange,
                  commandsCpu,
                  commandsLoop,
                  commandsExportBytes,
                }) =>
                  `${pad('same process: sampled / unsampled', 36)} product(id) x${product} (rounds ${productRange.join('-')}; CPU x${productCpu}, event loops x${productLoop}; exported ${productExportBytes.join(' / ')} B/req)` +
                  `  commands mix x${commands} (rounds ${commandsRange.join('-')}; CPU x${commandsCpu}, event loops x${commandsLoop}; exported ${commandsExportBytes.join(' / ')} B/req)`)(
                  tracingCost.sameProcess,
                ),
              ]
            : []),
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
    ...compared.map((c) => `${pad(c.what, 84)} ${pad(`${c.ours} / ${c.theirs}`, 18)} ${c.ratio}`),
  ].join('\n');
}
