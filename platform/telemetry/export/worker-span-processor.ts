import { TraceFlags } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { Worker } from 'node:worker_threads';
import { toResourceRecord, toSpanRecord, type SpanBatch, type SpanRecord } from './span-record.js';
import type { FromExporter, ToExporter } from './worker-messages.js';

export interface WorkerSpanProcessorOptions {
  /** Spans per message to the exporting thread (default 256). */
  batchSize?: number;
  /** How long a span waits for its batch to fill before it is sent anyway (default 200 ms). */
  delayMs?: number;
  /**
   * Spans sent and not yet taken by the exporting thread, past which new spans are dropped
   * (default OTEL_BSP_MAX_QUEUE_SIZE, else 2,048, the SDK's queue): a stalled thread must not
   * grow the service's memory.
   */
  maxQueueSize?: number;
  /** How long a flush or the shutdown waits for the exporting thread (default OTEL_BSP_EXPORT_TIMEOUT, else 30 s). */
  timeoutMs?: number;
  /** The environment whose OTEL_* variables configure the exporters (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The exporting thread's script (default: export-worker.js beside this file); for tests. */
  workerUrl?: URL;
}

/**
 * A span processor that exports from a worker thread (decision #52). The service's thread only
 * copies each sampled span's data into a plain record and posts the records in batches; the
 * worker (export-worker.ts) runs the exporters OTEL_TRACES_EXPORTER configures, with their own
 * batching (OTEL_BSP_*), serialization (OTLP protobuf or JSON) and HTTP or gRPC. In the gateway
 * that work was a third of what a traced request added, and it ran in bursts of 512 spans that
 * held the event loop for milliseconds. Copying a span costs about a sixth of serializing it.
 *
 * It never throws into the service: if the thread fails, spans are dropped, as the SDK's own
 * processors drop them when their queue is full; either is a process warning on stderr.
 */
export class WorkerSpanProcessor implements SpanProcessor {
  private readonly worker: Worker;
  private readonly batchSize: number;
  private readonly delayMs: number;
  private readonly maxQueueSize: number;
  private readonly timeoutMs: number;

  private pending: SpanRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Spans posted that the thread has not yet reported handed to its processors. */
  private unacknowledged = 0;
  private dropped = 0;
  private failed = false;
  private stopping: Promise<void> | undefined;

  /** The provider's resource (one per TracerProvider), and whether the thread has it. */
  private resource: Resource | undefined;
  private resourceSent = false;
  private waitingForResource = false;
  private readonly scopes = new Map<InstrumentationScope, number>();
  private newScopes: InstrumentationScope[] = [];

  private nextId = 0;
  private readonly replies = new Map<number, () => void>();

  constructor(options: WorkerSpanProcessorOptions = {}) {
    this.batchSize = options.batchSize ?? 256;
    this.delayMs = options.delayMs ?? 200;
    const env = options.env ?? process.env;
    this.maxQueueSize = options.maxQueueSize ?? positive(env.OTEL_BSP_MAX_QUEUE_SIZE) ?? 2048;
    this.timeoutMs = options.timeoutMs ?? positive(env.OTEL_BSP_EXPORT_TIMEOUT) ?? 30_000;
    this.worker = new Worker(options.workerUrl ?? new URL('./export-worker.js', import.meta.url), { env });
    // It never keeps the service alive: the SDK's shutdown flushes it (Telemetry.around).
    this.worker.unref();
    this.worker.on('message', (message: FromExporter) => this.received(message));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(this.stopping ? undefined : new Error(`the span export thread exited (${code})`)));
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.stopping) return;
    if (this.failed) {
      this.dropped += 1;
      return;
    }
    if (this.unacknowledged + this.pending.length >= this.maxQueueSize) {
      if (this.dropped++ === 0) warn(`the span export thread is more than ${this.maxQueueSize} spans behind; dropping spans`);
      return;
    }
    this.resource ??= span.resource;
    this.pending.push(toSpanRecord(span, this.scopeOf(span.instrumentationScope)));
    if (this.pending.length >= this.batchSize) this.post();
    else this.timer ??= setTimeout(() => this.post(), this.delayMs).unref();
  }

  async forceFlush(): Promise<void> {
    await this.settleResource();
    this.post();
    await this.ask('flush');
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.settleResource();
      this.post();
      await this.ask('shutdown');
      await this.worker.terminate();
    })();
    return this.stopping;
  }

  /** Spans dropped because the thread had failed or fallen behind. */
  get droppedSpans(): number {
    return this.dropped;
  }

  private scopeOf(scope: InstrumentationScope): number {
    let index = this.scopes.get(scope);
    if (index === undefined) {
      index = this.scopes.size;
      this.scopes.set(scope, index);
      this.newScopes.push(scope);
    }
    return index;
  }

  /** Sends the pending spans, with the resource and scopes the thread has not seen. */
  private post(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.failed) return;
    const resource = this.resource;
    if (!this.resourceSent && resource?.asyncAttributesPending) {
      // Resource detection is still running (e.g. the host's id): the thread gets the final attributes.
      if (!this.waitingForResource) {
        this.waitingForResource = true;
        void this.settleResource().then(() => this.post());
      }
      return;
    }
    const batch: SpanBatch = {
      resource: !this.resourceSent && resource ? toResourceRecord(resource) : undefined,
      scopes: this.newScopes,
      spans: this.pending,
    };
    this.pending = [];
    this.newScopes = [];
    try {
      this.send({ type: 'spans', batch });
    } catch (error) {
      // A value the structured clone cannot copy (the SDK keeps attributes to primitives and arrays).
      this.newScopes = [...batch.scopes, ...this.newScopes];
      this.dropped += batch.spans.length;
      warn(`a batch of spans could not be sent to the export thread: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.resourceSent ||= batch.resource !== undefined;
    this.unacknowledged += batch.spans.length;
  }

  private async settleResource(): Promise<void> {
    if (this.resource?.asyncAttributesPending) await this.resource.waitForAsyncAttributes?.();
    this.waitingForResource = false;
  }

  /** Asks the thread to flush or shut down; resolves when it has, when it failed, or after the timeout. */
  private ask(type: 'flush' | 'shutdown'): Promise<void> {
    if (this.failed) return Promise.resolve();
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.replies.delete(id);
        resolve();
      };
      const timeout = setTimeout(done, this.timeoutMs).unref();
      this.replies.set(id, done);
      this.send({ type, id });
    });
  }

  private send(message: ToExporter): void {
    this.worker.postMessage(message);
  }

  private received(message: FromExporter): void {
    if (message.type === 'taken') this.unacknowledged -= message.count;
    else this.replies.get(message.id)?.();
  }

  private fail(error: Error | undefined): void {
    if (this.failed) return;
    this.failed = true;
    if (error) warn(`the span export thread failed, spans are dropped from now on: ${error.message}`);
    this.dropped += this.pending.length;
    this.pending = [];
    clearTimeout(this.timer);
    for (const done of [...this.replies.values()]) done();
  }
}

function positive(raw: string | undefined): number | undefined {
  const value = Number(raw?.trim() || Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** On stderr whether or not OTEL_LOG_LEVEL turned the OpenTelemetry diagnostics on: lost spans must not go unnoticed. */
function warn(message: string): void {
  process.emitWarning(message, { type: 'TraceExportWarning' });
}
