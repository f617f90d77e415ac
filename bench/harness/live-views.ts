import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { subjectsFor } from '../../platform/index.js';
import type { TestSystem } from '../../tests/support/system.js';
import type { WorkerResult } from '../load/http-worker.js';
import { summarize, type LatencySummary } from '../load/stats.js';
import type { SubscriberResult, SubscriberSpec } from '../load/ws-subscriber.js';
import { benchDist, rssMiB, runScript, startServer } from './processes.js';

export interface LiveViewsFigures {
  /** `gateway`, or `bare broadcast` for the baseline. */
  server: string;
  shape: 'spread' | 'hot';
  subscribers: number;
  products: number;
  changesPerSecond: number;
  /** Seconds until every subscriber had its current view. */
  connectS: number;
  /** Projection's announcement -> pushed to the subscriber. */
  push: LatencySummary;
  delivered: number;
  lost: number;
  reordered: number;
  duplicates: number;
  errors: string[];
  gatewayRssMiB: { before: number | null; connected: number | null; after: number | null };
  /** Gateway resident memory added per subscriber once all are connected. */
  kibPerSubscriber: number | null;
  mutations: Pick<WorkerResult, 'throughput' | 'errors' | 'errorSamples' | 'latency'>;
}

/** Subscribers per client process. */
const PER_WORKER = 2500;

/**
 * Live views: `subscribers` graphql-ws clients (in processes of their own) watch products while
 * restocks change them at `changesPerSecond` through the gateway; every push is timed from the
 * projection's announcement of the change, and checked for loss and order. The gateway is
 * restarted first, so that its memory per subscriber is measured from a clean start.
 */
export async function measureLiveViews(options: {
  system: TestSystem;
  productIds: string[];
  subscribers: number;
  changesPerSecond: number;
  durationS: number;
  salt: string;
  baseline?: boolean;
}): Promise<LiveViewsFigures> {
  const { system, productIds, subscribers } = options;
  const viewSubject = subjectsFor(system.config.namespace).view('demo', 'product', '*');
  // The baseline: the same subscribers on a bare broadcaster of the same notices (bench/baselines/ws-broadcast.ts).
  const broadcaster = options.baseline
    ? await startServer('baselines/ws-broadcast.js', { args: [JSON.stringify({ natsUrl: system.config.natsUrl, viewSubject })] })
    : undefined;
  if (!broadcaster) {
    await system.stopService('gateway');
    await system.startService('gateway');
  }
  const gatewayPid = () => broadcaster?.pid ?? system.pids().gateway;
  const before = rssMiB(gatewayPid());

  const started = performance.now();
  const workers = Array.from({ length: Math.ceil(subscribers / PER_WORKER) }, (_, w) =>
    startWorker({
      wsUrl: (broadcaster?.url ?? system.graphqlUrl).replace(/^http/, 'ws'),
      natsUrl: system.config.natsUrl,
      viewSubject,
      productIds,
      first: w * PER_WORKER,
      count: Math.min(PER_WORKER, subscribers - w * PER_WORKER),
    }),
  );
  try {
    return await drive();
  } finally {
    for (const w of workers) w.kill();
    await broadcaster?.stop();
  }

  async function drive(): Promise<LiveViewsFigures> {
    await Promise.all(workers.map((w) => w.ready));
    const connectS = Math.round((performance.now() - started) / 100) / 10;
    const connected = rssMiB(gatewayPid());

    const mutations = await runScript<WorkerResult>('load/http-worker.js', {
      url: system.graphqlUrl,
      kind: 'restockProduct',
      mode: 'open',
      rate: options.changesPerSecond,
      durationS: options.durationS,
      fixtures: { productIds, customerIds: [], orderIds: [] },
      salt: options.salt,
    });
    const after = rssMiB(gatewayPid());
    const results = await Promise.all(workers.map((w) => w.finish()));
    return {
      server: broadcaster ? 'bare broadcast' : 'gateway',
      shape: new Set(productIds).size === 1 ? 'hot' : 'spread',
      subscribers,
      products: Math.min(productIds.length, subscribers),
      changesPerSecond: options.changesPerSecond,
      connectS,
      push: summarize(results.flatMap((r) => r.latencies)),
      delivered: sum(results.map((r) => r.delivered)),
      lost: sum(results.map((r) => r.lost)),
      reordered: sum(results.map((r) => r.reordered)),
      duplicates: sum(results.map((r) => r.duplicates)),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
      gatewayRssMiB: { before, connected, after },
      kibPerSubscriber: before !== null && connected !== null ? Math.round((((connected - before) * 1024) / subscribers) * 10) / 10 : null,
      mutations: {
        throughput: mutations.throughput,
        errors: mutations.errors,
        errorSamples: mutations.errorSamples,
        latency: mutations.latency,
      },
    };
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** A subscriber process: resolves `ready` when its subscribers all have their current view. */
function startWorker(spec: SubscriberSpec): { ready: Promise<void>; finish(): Promise<SubscriberResult>; kill(): void } {
  const child = spawn(process.execPath, [path.join(benchDist, 'load/ws-subscriber.js'), JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const messages: unknown[] = [];
  const waiters: (() => void)[] = [];
  lines.on('line', (line) => {
    messages.push(JSON.parse(line));
    waiters.splice(0).forEach((wake) => wake());
  });
  // 'close', not 'exit': at 'exit' the last lines the worker printed may not have been read yet.
  const exited = new Promise<string>((resolve) => child.once('close', (code, signal) => resolve(signal ?? String(code))));
  const nth = async (n: number): Promise<unknown> => {
    while (messages.length <= n) {
      const woken = new Promise<void>((resolve) => waiters.push(resolve));
      const outcome = await Promise.race([woken.then(() => 'line'), exited]);
      if (outcome !== 'line' && messages.length <= n) throw new Error(`a subscriber worker exited early (${outcome})`);
    }
    return messages[n];
  };
  return {
    ready: nth(0).then(() => undefined),
    async finish() {
      child.stdin.write('finish\n');
      return (await nth(1)) as SubscriberResult;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
