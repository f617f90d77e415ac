import type { ServiceName, TestSystem } from '../../tests/support/system.js';
import type { WorkerResult, WorkerSpec } from '../load/http-worker.js';
import type { Fixtures, RequestKind } from '../load/requests.js';
import { runScript } from './processes.js';

type Load = { kind: RequestKind; concurrency: number };

export interface ReplicaShares {
  /** Requests each replica served, in the order [first, second], and its share of the total. */
  served: number[];
  shares: number[];
}

export interface ScaleOutFigures {
  oneReplica: Record<string, number>;
  twoReplicas: Record<string, number>;
  shares: Record<string, Record<ServiceName, ReplicaShares>>;
  /** A write- and a read-service replica (the leaders) killed half way through a run at both gateways. */
  killed: { ok: number; errors: number; errorSamples: string[]; rate: number; throughput: number; p99: number };
}

const SERVICES: ServiceName[] = ['gateway', 'write', 'read'];
/** The histogram whose count says how many requests a service answered. */
const SERVED: Record<ServiceName, string> = {
  gateway: 'cqrs_graphql_request_duration_seconds_count',
  write: 'cqrs_command_processing_duration_seconds_count',
  read: 'cqrs_query_api_latency_seconds_count',
};

/** Sum of one metric's samples over all its labels, scraped from a service's /metrics. */
async function scrape(url: string, metric: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/**
 * Scale-out: product(id) and the command mix at maximum (closed model) against one replica of
 * each service, then against two (the second started here; load split over both gateways; NATS
 * queue groups spread commands and queries), with each replica's share read from its own
 * metrics; then the first write- and read-service (the leaders of the relay, the saga and the
 * projections) killed with SIGKILL half way through a steady run. The system must have been
 * started with METRICS_PORT=0. Leaves the system with one replica each, as it found it.
 */
export async function measureScaleOut(options: {
  system: TestSystem;
  fixtures: Fixtures;
  durationS: number;
  salt: string;
  settle: () => Promise<void>;
}): Promise<ScaleOutFigures> {
  const { system, fixtures, durationS, settle } = options;
  const loads: Record<string, Load> = {
    'product(id)': { kind: 'productById', concurrency: 32 },
    'commands mix': { kind: 'commandMix', concurrency: 32 },
  };
  const drive = (url: string, spec: Partial<WorkerSpec>, tag: string) =>
    runScript<WorkerResult>('load/http-worker.js', { url, durationS, fixtures, salt: `${options.salt}${tag}`, ...spec });

  const oneReplica: Record<string, number> = {};
  for (const [name, load] of Object.entries(loads)) {
    await settle(); // the command mix leaves work for the saga and the projections
    oneReplica[name] = (
      await drive(system.graphqlUrl, { kind: load.kind, mode: 'closed', concurrency: load.concurrency }, `one${name.length}`)
    ).throughput;
  }

  for (const service of SERVICES) await system.startService(service, `${service}#2`);
  const gateways = [system.graphqlUrl, system.readyInfo('gateway#2').url as string];
  const metricsOf = (service: ServiceName) => [
    system.readyInfo(service).metrics as string,
    system.readyInfo(`${service}#2`).metrics as string,
  ];
  const twoReplicas: Record<string, number> = {};
  const shares: ScaleOutFigures['shares'] = {};
  try {
    for (const [name, load] of Object.entries(loads)) {
      await settle();
      const before = await Promise.all(
        SERVICES.map((service) => Promise.all(metricsOf(service).map((url) => scrape(url, SERVED[service])))),
      );
      const results = await Promise.all(
        gateways.map((url, i) =>
          drive(url, { kind: load.kind, mode: 'closed', concurrency: load.concurrency / 2 }, `two${i}${name.length}`),
        ),
      );
      twoReplicas[name] = results.reduce((sum, r) => sum + r.throughput, 0);
      const after = await Promise.all(
        SERVICES.map((service) => Promise.all(metricsOf(service).map((url) => scrape(url, SERVED[service])))),
      );
      shares[name] = Object.fromEntries(
        SERVICES.map((service, s) => {
          const served = after[s]!.map((count, r) => count - before[s]![r]!);
          const total = served.reduce((a, b) => a + b, 0);
          return [service, { served, shares: served.map((n) => (total > 0 ? Math.round((n / total) * 100) / 100 : 0)) }];
        }),
      ) as Record<ServiceName, ReplicaShares>;
    }

    // A steady mixed load at both gateways; half way through, the leaders die.
    await settle();
    const rate = 150;
    const run = Promise.all(
      gateways.flatMap((url, i) => [
        drive(url, { kind: 'commandMix', mode: 'open', rate: rate / 2 }, `kill-c${i}`),
        drive(url, { kind: 'productById', mode: 'open', rate: rate / 2 }, `kill-q${i}`),
      ]),
    );
    await new Promise((resolve) => setTimeout(resolve, (durationS * 1000) / 2));
    await Promise.all([system.stopService('write', 'SIGKILL'), system.stopService('read', 'SIGKILL')]);
    const results = await run;
    const ok = results.reduce((sum, r) => sum + r.ok, 0);
    return {
      oneReplica,
      twoReplicas,
      shares,
      killed: {
        ok,
        errors: results.reduce((sum, r) => sum + r.errors, 0),
        errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 5),
        rate: rate * 2,
        throughput: results.reduce((sum, r) => sum + r.throughput, 0),
        p99: Math.max(...results.map((r) => r.latency.p99)),
      },
    };
  } finally {
    for (const service of SERVICES) await system.stopService(`${service}#2`);
    for (const service of ['write', 'read'] as const) if (!system.pids()[service]) await system.startService(service);
  }
}
