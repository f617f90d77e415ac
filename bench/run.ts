/**
 * `npm run bench [-- --quick] [-- --url http://host:port/graphql] [-- --only live,lag] [-- --tracing-rounds 12]`: starts the system in a
 * namespace of its own (or drives a running one), drives it from separate client processes,
 * measures it next to the limits of its parts (PostgreSQL, NATS, bare HTTP, Apollo itself), prints
 * a table with ratios and writes the raw figures to bench/results/<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDist } from './harness/processes.js';
import { comparisons, reportTable } from './report.js';
import { runAlternatives } from './scenarios/alt.js';
import { NO_BASELINES, runBaselines } from './scenarios/baselines.js';
import { runCommands } from './scenarios/commands.js';
import { runLag, type LagGroupFigures } from './scenarios/lag.js';
import { runLiveViews } from './scenarios/live.js';
import { NO_QUERIES, runQueries } from './scenarios/queries.js';
import { runRebuild } from './scenarios/rebuild.js';
import { runReadYourWrites } from './scenarios/ryw.js';
import { runScaleOut } from './scenarios/scale.js';
import { startScenarioContext, type BenchOptions } from './scenarios/scenario-context.js';
import { runTracing } from './scenarios/tracing.js';

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
const roundsArg = process.argv.indexOf('--tracing-rounds');
/** `--tracing-rounds <n>`: the tracing group's rounds (default 4): precision bought with time, about 3 minutes a round. */
const tracingRounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : undefined;
if (tracingRounds !== undefined && !(Number.isInteger(tracingRounds) && tracingRounds > 0)) {
  throw new Error(`--tracing-rounds takes a whole number of rounds above 0, not ${process.argv[roundsArg + 1] ?? 'nothing'}`);
}
const benchStarted = performance.now();
const options: BenchOptions = {
  quick,
  externalUrl,
  step: quick ? 2 : 15,
  queryWarmupS: quick ? 1 : 2,
  salt: Date.now().toString(36),
  /** Progress on stderr, each line with the seconds since the run began. */
  log: (message: string) => process.stderr.write(`[${Math.round((performance.now() - benchStarted) / 1000)} s] ${message}\n`),
};

// The limits of the parts first, with nothing else running on the machine.
const baselines = runs('baselines') ? await runBaselines(options) : NO_BASELINES;

const context = await startScenarioContext(options);
const { system, rows } = context;
const commandsMax = runs('commands') ? await runCommands(context) : 0;
const queries = runs('queries') ? await runQueries(context) : NO_QUERIES;
if (runs('ryw')) await runReadYourWrites(context);
// The groups below run only on a system the bench started itself (not with --url).
const { lags, projectionLags }: LagGroupFigures = system && runs('lag') ? await runLag(context, system) : { lags: {}, projectionLags: [] };
const liveViews = system && runs('live') ? await runLiveViews(context, system) : [];
const rebuild = system && runs('rebuild') ? await runRebuild(context, system) : undefined;
const scaleOut = system && runs('scale') ? await runScaleOut(context, system) : undefined;
const tracingCost = system && runs('tracing') ? await runTracing(context, baseDist, tracingRounds) : undefined;
const alternatives = runs('alt') ? await runAlternatives(context) : undefined;

const figures = { rows, baselines, commandsMax, queries, lags, projectionLags, liveViews, rebuild, scaleOut, tracingCost, alternatives };
const compared = comparisons(figures);

await system?.stop();

process.stdout.write(`\n${reportTable(figures, compared)}\n`);

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
        bareHttp: baselines.bareMax,
        apolloConstant: baselines.apolloResult,
        apolloConstantAt1000: baselines.apolloAt1000,
        nats: baselines.nats,
        postgres: baselines.postgres,
        storeAppend: baselines.storeAppend,
        storeAppend32: baselines.storeAppend32,
      },
      comparisons: compared,
    },
    null,
    2,
  ),
);
process.stdout.write(`\nraw figures: ${path.relative(process.cwd(), file)}\n`);
