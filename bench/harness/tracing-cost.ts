import { randomBytes } from 'node:crypto';
import { TestSystem } from '../../tests/support/system.js';
import type { WorkerResult } from '../load/http-worker.js';
import type { Fixtures } from '../load/requests.js';
import { createFixtures } from './fixtures.js';
import { cpuTimeMs, machineCpuMs, mainThreadCpuTimeMs, runScript, startServer } from './processes.js';
import { settle, settleTargetOf } from './settle.js';

/**
 * One configuration of the services the tracing figures compare. `tracing on, unsampled requests`
 * is no system of its own: the traced systems' slices whose requests carry a `traceparent` whose
 * sampled flag is off, so that those systems record and export nothing for them.
 */
export type TracingConfig = 'before tracing' | 'tracing off' | 'tracing on (100%)' | 'tracing on, unsampled requests';

type Load = 'productById' | 'commandMix';

export interface TracingCostFigures {
  /**
   * Each configuration's throughput over all its slices (requests answered / seconds measured,
   * closed model) and the median of its slices' p99.
   */
  results: {
    config: TracingConfig;
    productMax: number;
    commandsMax: number;
    productP99: number;
    commandsP99: number;
    /** CPU of the system's three services per request answered, in µs: the slice and its catch-up after. */
    productCpuUs: number;
    commandsCpuUs: number;
    /** The same for the services' main threads only: their event loops, without V8's helper threads and libuv's pool. */
    productLoopUs: number;
    commandsLoopUs: number;
    /**
     * The whole machine's busy CPU per request answered, in µs, over the same span: the services,
     * PostgreSQL, NATS, the load's worker and the idle systems beside. Closed-model throughput on a
     * CPU-bound machine is its capacity over this, so the ratio of this figure estimates the
     * throughput ratio without the capacity's drift from one minute to the next.
     */
    productMachineUs: number;
    commandsMachineUs: number;
    /**
     * Each replica's own throughput over its slices: how far two processes of one configuration
     * stray from each other.
     */
    productByReplica: number[];
    commandsByReplica: number[];
  }[];
  /**
   * Throughput as a share of the baseline's (`before tracing` when measured, else `tracing off`):
   * over all slices, and the lowest and highest of the rounds' own ratios (how far one round can
   * stray on this machine).
   */
  ratios: (Ratio & {
    config: TracingConfig;
    /** The baseline's machine CPU per request over this configuration's: the throughput ratio a CPU-bound machine of steady speed would show. */
    productByMachine: number;
    commandsByMachine: number;
  })[];
  /**
   * The traced systems' sampled slices against their unsampled slices (each the next slice of the
   * same process), pooled, and the lowest and highest of the rounds' own ratios: what recording
   * and exporting spans cost, without the difference between two processes (twins of one build
   * differed by up to 25% on this machine, more than tracing costs; docs/benchmarks.md). What it
   * leaves out: what the SDK costs when it records nothing (`tracing on, unsampled requests`
   * against `tracing off` in `ratios`); and, in the command mix, the projections' batch spans,
   * which are roots and so recorded in both kinds of slice.
   */
  sameProcess:
    | (Ratio & {
        /** What the sink received per request answered, in bytes: sampled slices, then unsampled. */
        productExportBytes: [number, number];
        commandsExportBytes: [number, number];
      })
    | null;
  rounds: number;
  sliceS: number;
  /** Systems per configuration, whose slices are pooled. */
  replicas: number;
}

/** One configuration's figures as a share of another's. */
interface Ratio {
  /** Throughput over all slices, and the lowest and highest of the rounds' own ratios. */
  product: number;
  commands: number;
  productRange: [number, number];
  commandsRange: [number, number];
  /** CPU per request (over all slices): what throughput shows through the machine's noise. */
  productCpu: number;
  commandsCpu: number;
  /** The event loops' CPU per request. */
  productLoop: number;
  commandsLoop: number;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** One measured slice: the load's figures, the loaded system's CPU and the machine's, and where it fell. */
type Slice = WorkerResult & { cpuMs: number; loopMs: number; machineMs: number; exportBytes: number; round: number; replica: number };

/**
 * What tracing costs: product(id) and the command mix at maximum (closed model, 32 in flight) on
 * `replicas` systems per configuration, all running side by side: built from the commit before tracing
 * (`baseDist`, when given: the build of an earlier commit, e.g. a worktree's dist), with tracing
 * off (no OTEL_* set, the default), and with tracing on at 100% sampling, exporting OTLP over
 * HTTP (protobuf, the default) to a sink that keeps nothing. The traced systems sample by their
 * parent (`parentbased_always_on`): each of their slices is followed (or, every other round,
 * preceded) by one whose requests carry an unsampled `traceparent`, which gives the cost of
 * recording and exporting within one process (`sameProcess`).
 *
 * The load goes to one system at a time in short slices, the configurations taking turns within
 * each round (in reverse order every other round): on a shared 2-core machine whose speed drifts
 * by 10-30% from one minute to the next, a slow minute then falls on every configuration alike,
 * where whole-system rounds one after another (this harness before 2026-12-01) let it land on
 * one. Before each slice every system has caught up (saga and read models: the command mix
 * leaves a backlog that would otherwise weigh on the next slice, whichever system it goes to);
 * the idle systems beside the loaded one then cost little (their pollers), the same for each.
 * Beside throughput, each slice reads the CPU time the loaded system's three services used (all
 * their threads, and their main threads apart: the event loops) from
 * its start until the system caught up after it (Linux /proc), per request answered: the cost
 * itself, where closed-model throughput also carries how the latencies of 32 requests in flight
 * add up on two shared cores.
 *
 * A configuration's figures pool its replicas' slices and rounds. Two processes of the same
 * build and settings can differ by up to 25% for as long as they live (2026-12-02: twins of one
 * build side by side; cause not found), which one process per configuration books as the
 * configuration's cost. With `restartEachRound`, every round starts each system's three services
 * anew (and primes them), so that each round draws new processes and the pooled figures average
 * over as many draws as rounds (2026-12-03: eight gateway lifetimes gave tracing on 0.80-1.19 ×
 * off, where the same two processes had given 0.80-0.83 × for a whole run); replicas side by
 * side draw more at once.
 */
export async function measureTracingCost(options: {
  durationS: number;
  warmupS: number;
  /** Seconds of each load given to each system, unmeasured, before the first round (0: none). */
  primeS: number;
  rounds: number;
  /** Systems per configuration (1 or more). */
  replicas: number;
  /** Whether each round after the first runs on new processes: each system's services restarted and primed. */
  restartEachRound: boolean;
  salt: string;
  baseDist?: string;
  log: (message: string) => void;
}): Promise<TracingCostFigures> {
  const sink = await startServer('baselines/otlp-sink.js');
  const endpoint = sink.url.replace(/\/graphql$/, '');
  const configs: { config: TracingConfig; env: Record<string, string>; dist?: string }[] = [
    ...(options.baseDist ? [{ config: 'before tracing' as const, env: {}, dist: options.baseDist }] : []),
    { config: 'tracing off', env: {} },
    {
      config: 'tracing on (100%)',
      // A request without a traceparent is a root, sampled: the same as `always_on` for the
      // sampled slices; one with an unsampled parent records nothing.
      env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    },
  ];
  const exportedBytes = async () => ((await (await fetch(`${endpoint}/stats`)).json()) as { bytes: number }).bytes;
  const replicas = Array.from({ length: Math.max(1, options.replicas) }, (_, replica) => replica);
  const running: { config: TracingConfig; replica: number; system: TestSystem; fixtures: Fixtures }[] = [];
  const slices = new Map<string, Slice[]>(); // `${config} ${load}` -> one result per round and replica
  try {
    // Replica by replica, so that the configurations alternate in each round's order.
    for (const replica of replicas) {
      for (const { config, env, dist } of configs) {
        const system = await TestSystem.start(
          'bench_tracing',
          { RATE_LIMIT: 'off', WS_MAX_CONNECTIONS_PER_CLIENT: '0', LOG_LEVEL: 'info', ...env },
          ['write', 'read', 'gateway'],
          dist ? { dist } : {},
        );
        // Not in `running` until its fixtures are made: stopped here if they fail.
        const fixtures = await createFixtures(system.graphqlUrl).catch(async (error: unknown) => {
          await system.stop();
          throw error;
        });
        running.push({ config, replica, system, fixtures });
      }
    }
    // A fresh gateway's CPU per request settles only after some 20 s of load (five fresh traced
    // systems, closed model, 8 s slices: 430-600 µs per request in the first, 200-240 µs in the
    // third): without this the first round measured the JIT compiler as much as the system.
    const prime = async (round: number) => {
      for (const [index, { system, fixtures }] of (options.primeS > 0 ? running : []).entries()) {
        for (const load of ['productById', 'commandMix'] as const) {
          await atMaximum(system, fixtures, load, { durationS: options.primeS, salt: `${options.salt}${load}p${index}r${round}` });
        }
      }
    };
    await prime(0);
    for (let round = 0; round < options.rounds; round += 1) {
      if (round > 0 && options.restartEachRound) {
        // New processes for this round, caught up first so that none stops with work in hand.
        for (const { system } of running) await settle(settleTargetOf(system), 120, options.log);
        for (const { system } of running) {
          for (const service of ['write', 'read', 'gateway'] as const) {
            await system.stopService(service);
            await system.startService(service);
          }
        }
        await prime(round);
      }
      const order = round % 2 === 0 ? running : [...running].reverse();
      for (const load of ['productById', 'commandMix'] as const) {
        for (const { config: systemConfig, replica, system, fixtures } of order) {
          const kinds: TracingConfig[] =
            systemConfig !== 'tracing on (100%)'
              ? [systemConfig]
              : round % 2 === 0
                ? ['tracing on (100%)', 'tracing on, unsampled requests']
                : ['tracing on, unsampled requests', 'tracing on (100%)'];
          for (const config of kinds) {
            // The command mix leaves the saga and the projections a backlog: caught up everywhere before the next slice.
            for (const { system: other } of running) await settle(settleTargetOf(other), 120, options.log);
            const cpuBefore = cpuOf(system);
            const loopBefore = cpuOf(system, mainThreadCpuTimeMs);
            const machineBefore = machineCpuMs() ?? 0;
            const exportedBefore = await exportedBytes();
            const slice = await atMaximum(system, fixtures, load, {
              durationS: options.durationS,
              warmupS: options.warmupS,
              salt: `${options.salt}${load}${round}${config.length}${replica}`,
              ...(config === 'tracing on, unsampled requests'
                ? { headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00` } }
                : {}),
            });
            // The work the slice left behind (the saga, the projections) is part of what it cost.
            await settle(settleTargetOf(system), 120, options.log);
            const result = {
              ...slice,
              cpuMs: cpuOf(system) - cpuBefore,
              loopMs: cpuOf(system, mainThreadCpuTimeMs) - loopBefore,
              machineMs: (machineCpuMs() ?? 0) - machineBefore,
              // What a batch still on its way when the slice ended adds is booked to the next slice: one batch in hundreds.
              exportBytes: (await exportedBytes()) - exportedBefore,
              round,
              replica,
            };
            options.log(
              `  round ${round + 1}, ${config}${replicas.length > 1 ? ` #${replica + 1}` : ''}: ${load === 'productById' ? 'product(id)' : 'commands mix'} max ${result.throughput}/s p99 ${result.latency.p99} ms, errors ${result.errors}`,
            );
            slices.set(`${config} ${load}`, [...(slices.get(`${config} ${load}`) ?? []), result]);
          }
        }
      }
    }
  } finally {
    for (const { system } of running) await system.stop();
    await sink.stop();
  }
  const of = (config: TracingConfig, load: Load) => slices.get(`${config} ${load}`) ?? [];
  const throughput = (results: WorkerResult[]) =>
    Math.round(results.reduce((sum, r) => sum + r.ok, 0) / results.reduce((sum, r) => sum + r.elapsedS, 0));
  const perRequest = <R extends { ok: number }>(results: R[], ms: (result: R) => number) =>
    Math.round(
      (1000 * results.reduce((sum, r) => sum + ms(r), 0)) /
        Math.max(
          1,
          results.reduce((sum, r) => sum + r.ok, 0),
        ),
    );
  const measured: TracingConfig[] = configs.map(({ config }) => config);
  if (measured.includes('tracing on (100%)')) measured.push('tracing on, unsampled requests');
  const results = measured.map((config) => ({
    config,
    productMax: throughput(of(config, 'productById')),
    commandsMax: throughput(of(config, 'commandMix')),
    productP99: median(of(config, 'productById').map((r) => r.latency.p99)),
    commandsP99: median(of(config, 'commandMix').map((r) => r.latency.p99)),
    productCpuUs: perRequest(of(config, 'productById'), (r) => r.cpuMs),
    commandsCpuUs: perRequest(of(config, 'commandMix'), (r) => r.cpuMs),
    productLoopUs: perRequest(of(config, 'productById'), (r) => r.loopMs),
    commandsLoopUs: perRequest(of(config, 'commandMix'), (r) => r.loopMs),
    productMachineUs: perRequest(of(config, 'productById'), (r) => r.machineMs),
    commandsMachineUs: perRequest(of(config, 'commandMix'), (r) => r.machineMs),
    productByReplica: replicas.map((replica) => throughput(of(config, 'productById').filter((r) => r.replica === replica))),
    commandsByReplica: replicas.map((replica) => throughput(of(config, 'commandMix').filter((r) => r.replica === replica))),
  }));
  // A round's ratio: the configuration's throughput over its replicas' slices of that round against the base's.
  const range = (config: TracingConfig, base: TracingConfig, load: Load): [number, number] => {
    const inRound = (slicesOf: Slice[], round: number) => throughput(slicesOf.filter((r) => r.round === round));
    const own = Array.from({ length: options.rounds }, (_, round) => inRound(of(config, load), round) / inRound(of(base, load), round));
    return [round3(Math.min(...own)), round3(Math.max(...own))];
  };
  type Result = (typeof results)[number];
  const ratio = (result: Result, base: Result): Ratio => ({
    product: round3(result.productMax / base.productMax),
    commands: round3(result.commandsMax / base.commandsMax),
    productRange: range(result.config, base.config, 'productById'),
    commandsRange: range(result.config, base.config, 'commandMix'),
    productCpu: round3(result.productCpuUs / base.productCpuUs),
    commandsCpu: round3(result.commandsCpuUs / base.commandsCpuUs),
    productLoop: round3(result.productLoopUs / Math.max(1, base.productLoopUs)),
    commandsLoop: round3(result.commandsLoopUs / Math.max(1, base.commandsLoopUs)),
  });
  const ratios = results.map((result) => ({
    config: result.config,
    ...ratio(result, results[0]!),
    productByMachine: round3(results[0]!.productMachineUs / Math.max(1, result.productMachineUs)),
    commandsByMachine: round3(results[0]!.commandsMachineUs / Math.max(1, result.commandsMachineUs)),
  }));
  // perRequest's ms -> µs scaling undone: bytes per request.
  const exportPerRequest = (config: TracingConfig, load: Load) => Math.round(perRequest(of(config, load), (r) => r.exportBytes) / 1000);
  const exported = (load: Load): [number, number] => [
    exportPerRequest('tracing on (100%)', load),
    exportPerRequest('tracing on, unsampled requests', load),
  ];
  const on = results.find((r) => r.config === 'tracing on (100%)');
  const onUnsampled = results.find((r) => r.config === 'tracing on, unsampled requests');
  const sameProcess =
    on && onUnsampled
      ? { ...ratio(on, onUnsampled), productExportBytes: exported('productById'), commandsExportBytes: exported('commandMix') }
      : null;
  return { results, ratios, sameProcess, rounds: options.rounds, sliceS: options.durationS, replicas: replicas.length };
}

/** One load at maximum on a system: closed model, 32 in flight. */
function atMaximum(
  system: TestSystem,
  fixtures: Fixtures,
  kind: Load,
  spec: { durationS: number; warmupS?: number; salt: string; headers?: Record<string, string> },
): Promise<WorkerResult> {
  return runScript<WorkerResult>('load/http-worker.js', {
    url: system.graphqlUrl,
    kind,
    mode: 'closed',
    concurrency: 32,
    fixtures,
    ...spec,
  });
}

/** CPU time the system's services have used so far, in ms (all their threads, or with mainThreadCpuTimeMs their event loops). */
function cpuOf(system: TestSystem, read: (pid: number | undefined) => number | null = cpuTimeMs): number {
  return Object.values(system.pids()).reduce<number>((sum, pid) => sum + (read(pid) ?? 0), 0);
}
