import { TestSystem } from '../../tests/support/system.js';
import { createFixtures } from '../harness/fixtures.js';
import { rssMiB, runScript } from '../harness/processes.js';
import { settle as settleBacklog, settleTargetOf } from '../harness/settle.js';
import type { WorkerResult, WorkerSpec } from '../load/http-worker.js';
import type { Fixtures } from '../load/requests.js';
import type { LatencySummary } from '../load/stats.js';

/** What the command line sets for every scenario group. */
export interface BenchOptions {
  quick: boolean;
  /** `--url`: drive a running system instead of starting one. */
  externalUrl: string | undefined;
  /** Seconds per measured step. */
  step: number;
  /** Seconds of the same load before each query step, not counted: a first request per row fills caches and connections. */
  queryWarmupS: number;
  salt: string;
  /** Progress on stderr. */
  log: (message: string) => void;
}

/** One driven step of the table. */
export interface Row {
  scenario: string;
  target: string;
  throughput: number;
  latency: LatencySummary;
  errors: number;
  rssMiB?: Record<string, number | null>;
  note?: string;
}

/** What the scenario groups after the baselines share: the system under test, its fixtures, and the table's rows. */
export interface ScenarioContext extends BenchOptions {
  /** Undefined when driving an external system. */
  system: TestSystem | undefined;
  url: string;
  fixtures: Fixtures;
  rows: Row[];
  /** Runs one load worker step against the system and adds its row. */
  drive(scenario: string, spec: Partial<WorkerSpec> & Pick<WorkerSpec, 'kind' | 'mode'>): Promise<WorkerResult>;
  /** Waits until the saga and every read model have caught up (twice in a row), so that one scenario's backlog does not weigh on the next. */
  settle(): Promise<void>;
  /** Steps the open-model rate up until p99 passes `limitMs` or errors pass 1%; returns the last rate that held. */
  maxSustained(scenario: string, kind: WorkerSpec['kind'], rates: number[], limitMs: number): Promise<number>;
}

/**
 * Starts the system in a namespace of its own (unless `--url` names a running one), stops its
 * processes should the run exit early, and creates the fixtures the scenarios address.
 */
export async function startScenarioContext(options: BenchOptions): Promise<ScenarioContext> {
  const { quick, externalUrl, step, salt, log } = options;
  const rows: Row[] = [];
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
    log(
      `  ${scenario} @ ${target}: ${result.throughput}/s p50 ${result.latency.p50} p99 ${result.latency.p99} ms, errors ${result.errors}`,
    );
    return result;
  };
  const settleLimitS = quick ? 180 : 600;
  const settleTarget = system ? settleTargetOf(system) : { url };
  const settle = () => settleBacklog(settleTarget, settleLimitS, log);
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
  return { ...options, system, url, fixtures, rows, drive, settle, maxSustained };
}
