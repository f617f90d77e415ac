/**
 * The exporting thread (see worker-span-processor.ts): receives ended spans as plain records,
 * and hands them to the span processors OTEL_TRACES_EXPORTER and its variables configure, which
 * batch, serialize and send them here, off the service's event loop.
 */
import { diag, DiagConsoleLogger } from '@opentelemetry/api';
import { diagLogLevelFromString, getStringFromEnv } from '@opentelemetry/core';
import { parentPort } from 'node:worker_threads';
import { spanProcessorsFromEnv } from './processors-from-env.js';
import { SpanBatchReader } from './span-record.js';
import type { FromExporter, ToExporter } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('export-worker.js runs as a worker thread (worker-span-processor.ts starts it)');

const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
if (logLevel) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });

const processors = spanProcessorsFromEnv();
const reader = new SpanBatchReader();

/** Messages are handled one after another, in the order they came. */
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToExporter) => {
  queue = queue.then(() => handle(message)).catch((error: unknown) => diag.error('span export thread', error));
});

async function handle(message: ToExporter): Promise<void> {
  const all = await processors;
  if (message.type === 'spans') {
    const spans = reader.read(message.batch);
    for (const span of spans) for (const processor of all) processor.onEnd(span);
    reply({ type: 'taken', count: spans.length });
    return;
  }
  if (message.type === 'flush') {
    await Promise.allSettled(all.map((processor) => processor.forceFlush()));
    reply({ type: 'flushed', id: message.id });
    return;
  }
  await Promise.allSettled(all.map((processor) => processor.shutdown()));
  reply({ type: 'shut', id: message.id });
}

function reply(message: FromExporter): void {
  port?.postMessage(message);
}
