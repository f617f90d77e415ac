import { TestSystem } from '../../tests/support/system.js';
import type { WorkerResult } from '../load/http-worker.js';
import { createFixtures } from './fixtures.js';
import { runScript, startServer } from './processes.js';

/** One configuration of the services the tracing figures compare. */
export type TracingConfig = 'before tracing' | 'tracing off' | 'tracing on (100%)';

export interface TracingCostFigures {
  /** Each configuration's best product(id) max and commands mix max (closed model) over the rounds. */
  results: { config: TracingConfig; productMax: number; commandsMax: number; productP99: number; commandsP99: number }[];
  /** Throughput as a share of the baseline's (`before tracing` when measured, else `tracing off`). */
  ratios: { config: TracingConfig; product: number; commands: number }[];
  rounds: number;
}

/**
 * What tracing costs: product(id) and the command mix at maximum (closed model, 32 in flight)
 * against a fresh system per configuration: built from the commit before tracing (`baseDist`,
 * when given: the build of an earlier commit, e.g. a worktree's dist), with tracing off (no
 * OTEL_* set, the default), and with tracing on at 100% sampling, exporting OTLP over HTTP to a
 * sink that keeps nothing. Configurations alternate for `rounds` rounds, and each keeps its best
 * round, so that a slow moment of the machine does not land on one of them.
 */
export async function measureTracingCost(options: {
  durationS: number;
  warmupS: number;
  rounds: number;
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
      env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' },
    },
  ];
  const best = new Map<TracingConfig, TracingCostFigures['results'][number]>();
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      for (const { config, env, dist } of configs) {
        const system = await TestSystem.start(
          'bench_tracing',
          { RATE_LIMIT: 'off', WS_MAX_CONNECTIONS_PER_CLIENT: '0', LOG_LEVEL: 'info', ...env },
          ['write', 'read', 'gateway'],
          dist ? { dist } : {},
        );
        try {
          const fixtures = await createFixtures(system.graphqlUrl);
          const drive = (kind: 'productById' | 'commandMix', tag: string) =>
            runScript<WorkerResult>('load/http-worker.js', {
              url: system.graphqlUrl,
              kind,
              mode: 'closed',
              concurrency: 32,
              durationS: options.durationS,
              warmupS: options.warmupS,
              fixtures,
              salt: `${options.salt}${tag}${round}${config.length}`,
            });
          const product = await drive('productById', 'p');
          const commands = await drive('commandMix', 'c');
          options.log(
            `  ${config} (round ${round + 1}): product(id) max ${product.throughput}/s p99 ${product.latency.p99} ms, commands mix max ${commands.throughput}/s p99 ${commands.latency.p99} ms, errors ${product.errors + commands.errors}`,
          );
          const previous = best.get(config);
          best.set(config, {
            config,
            productMax: Math.max(previous?.productMax ?? 0, product.throughput),
            commandsMax: Math.max(previous?.commandsMax ?? 0, commands.throughput),
            productP99: previous && previous.productMax > product.throughput ? previous.productP99 : product.latency.p99,
            commandsP99: previous && previous.commandsMax > commands.throughput ? previous.commandsP99 : commands.latency.p99,
          });
        } finally {
          await system.stop();
        }
      }
    }
  } finally {
    await sink.stop();
  }
  const results = configs.map(({ config }) => best.get(config)!);
  const baseline = results[0]!;
  const ratios = results.map(({ config, productMax, commandsMax }) => ({
    config,
    product: Math.round((productMax / baseline.productMax) * 1000) / 1000,
    commands: Math.round((commandsMax / baseline.commandsMax) * 1000) / 1000,
  }));
  return { results, ratios, rounds: options.rounds };
}
