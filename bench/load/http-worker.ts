/**
 * A load worker, run as its own process so that the load is not generated inside the system
 * measured. Open model (`rate`: requests start on a fixed schedule whatever the answers, and
 * latency counts from the scheduled start, so a stall is not hidden) or closed model
 * (`concurrency` requests in flight, for maximum throughput). An optional warm-up runs the same
 * load first without counting it. Prints one JSON result line.
 */
import http from 'node:http';
import { buildRequest, type Fixtures, type RequestKind } from './requests.js';
import { summarize, type LatencySummary } from './stats.js';

export interface WorkerSpec {
  url: string;
  kind: RequestKind | 'readYourWrites';
  mode: 'open' | 'closed';
  rate?: number;
  concurrency?: number;
  durationS: number;
  /** Seconds of the same load before the measured `durationS`, sent but not counted (cold caches, connections, JIT). */
  warmupS?: number;
  fixtures: Fixtures;
  salt: string;
  headers?: Record<string, string>;
}

export interface WorkerResult {
  sent: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  elapsedS: number;
  throughput: number;
  latency: LatencySummary;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
const headers = { 'content-type': 'application/json', ...(spec.headers ?? {}) };
const latencies: number[] = [];
const errorSamples: string[] = [];
let ok = 0;
let errors = 0;
let sent = 0;

// node:http with keep-alive: fetch() costs several times more CPU per request and would make
// the load generator, not the system, the bottleneck.
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const target = new URL(spec.url);

function post(body: string): Promise<{ data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Awaited<ReturnType<typeof post>>);
          } catch (error) {
            reject(new Error(`HTTP ${response.statusCode}: not JSON (${String(error)})`));
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function one(i: number): Promise<void> {
  if (spec.kind === 'readYourWrites') {
    const write = await post(buildRequest('restockProduct', i, spec.fixtures, spec.salt).body);
    if (write.errors) throw new Error(write.errors[0]?.extensions?.code ?? write.errors[0]?.message);
    const token = (write.data?.restockProduct as { consistencyToken: string }).consistencyToken;
    const id = spec.fixtures.productIds[(i * 7) % spec.fixtures.productIds.length];
    const read = await post(
      JSON.stringify({
        query: 'query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { availableQuantity version } }',
        variables: { id, t: token },
      }),
    );
    if (read.errors) throw new Error(read.errors[0]?.extensions?.code ?? read.errors[0]?.message);
    return;
  }
  const result = await post(buildRequest(spec.kind, i, spec.fixtures, spec.salt).body);
  if (result.errors) throw new Error(result.errors[0]?.extensions?.code ?? result.errors[0]?.message);
}

function record(startedAt: number, outcome: Promise<void>): Promise<void> {
  if (startedAt < measureFrom) return outcome.catch(() => undefined); // warm-up: not counted
  sent += 1;
  return outcome.then(
    () => {
      ok += 1;
      latencies.push(performance.now() - startedAt);
    },
    (error: unknown) => {
      errors += 1;
      if (errorSamples.length < 5) errorSamples.push(String((error as Error).message ?? error));
    },
  );
}

const start = performance.now();
const measureFrom = start + (spec.warmupS ?? 0) * 1000;
const end = measureFrom + spec.durationS * 1000;
const inFlight = new Set<Promise<void>>();
/** Requests started, warm-up included (the request builders' index). */
let started = 0;

if (spec.mode === 'open') {
  const interval = 1000 / (spec.rate ?? 100);
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    const due = Math.min(Math.floor((now - start) / interval) + 1, Math.ceil((end - start) / interval));
    while (started < due) {
      const scheduled = start + started * interval;
      const task = record(scheduled, one(started));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      started += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + started * interval - performance.now())));
  }
} else {
  await Promise.all(
    Array.from({ length: spec.concurrency ?? 16 }, async () => {
      while (performance.now() < end) {
        const i = started++;
        const startedAt = performance.now();
        await record(startedAt, one(i));
      }
    }),
  );
}
await Promise.all([...inFlight]);
const elapsedS = (performance.now() - measureFrom) / 1000;
const result: WorkerResult = {
  sent,
  ok,
  errors,
  errorSamples,
  elapsedS: Math.round(elapsedS * 100) / 100,
  throughput: Math.round(ok / elapsedS),
  latency: summarize(latencies),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
