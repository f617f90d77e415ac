import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { WorkerSpanProcessor, type WorkerSpanProcessorOptions } from '../../platform/telemetry/export/worker-span-processor.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { waitFor } from '../support/wait.js';

/** A thread script given inline, for the exporting thread's failures. */
function script(source: string): URL {
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** A sampled parent and an unsampled one, as a caller's traceparent makes them (the default sampler follows the parent). */
const SAMPLED = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});
const UNSAMPLED = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: 'c'.repeat(32),
  spanId: 'd'.repeat(16),
  traceFlags: TraceFlags.NONE,
  isRemote: true,
});

/** The next process warning (emitted on the next tick, printed on stderr as well). */
function nextWarning(): Promise<Error> {
  return new Promise((resolve) => process.once('warning', resolve));
}

function providerWith(options: WorkerSpanProcessorOptions): { provider: TracerProvider; processor: WorkerSpanProcessor } {
  const processor = new WorkerSpanProcessor(options);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'span-export-test' }),
    spanProcessors: [processor],
  });
  return { provider, processor };
}

function makeSpans(provider: TracerProvider, count: number, parent = SAMPLED, prefix = 'span'): void {
  const tracer = provider.getTracer('span-export-test');
  for (let index = 0; index < count; index += 1) tracer.startSpan(`${prefix} ${index}`, { attributes: { index } }, parent).end();
}

describe('span export thread - spans are exported from a worker thread, as OTEL_* configures it', () => {
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await OtlpReceiver.start();
  });
  after(async () => {
    await receiver.stop();
  });

  it('exports every sampled span, none of the unsampled, over several batches; a flush waits until they are received', async () => {
    const { provider } = providerWith({ env: receiver.env(), batchSize: 64 });
    makeSpans(provider, 300);
    makeSpans(provider, 50, UNSAMPLED, 'unsampled');
    await provider.forceFlush();
    const ours = receiver.spans.filter((span) => span.service === 'span-export-test');
    assert.equal(ours.length, 300, 'all the sampled spans were received when the flush returned');
    assert.deepEqual(new Set(ours.map((span) => span.attributes.index)).size, 300);
    assert.ok(
      ours.every((span) => span.traceId === 'a'.repeat(32) && span.parentSpanId === 'b'.repeat(16) && span.scope === 'span-export-test'),
    );
    assert.equal(receiver.spans.filter((span) => span.name.startsWith('unsampled')).length, 0);
    await provider.shutdown();
  });

  it('sends the spans ended before the shutdown, then drops later ones and stops its thread', async () => {
    receiver.spans.length = 0;
    const { provider, processor } = providerWith({ env: receiver.env() });
    makeSpans(provider, 10, SAMPLED, 'before');
    await provider.shutdown();
    assert.equal(receiver.spans.filter((span) => span.name.startsWith('before')).length, 10);
    makeSpans(provider, 5, SAMPLED, 'after');
    await processor.forceFlush();
    assert.equal(receiver.spans.filter((span) => span.name.startsWith('after')).length, 0);
  });

  it('a thread that fails to start: spans are dropped and counted, a warning says so, a flush returns', async () => {
    const warned = nextWarning();
    const { provider, processor } = providerWith({ workerUrl: script('throw new Error("the exporter could not load")') });
    // The thread's failure arrives as an event; spans made until then are sent and lost with it.
    await waitFor(
      () => {
        makeSpans(provider, 1);
        return processor.droppedSpans > 0;
      },
      { intervalMs: 5, what: "the processor to see its thread's failure" },
    );
    makeSpans(provider, 20);
    assert.ok(processor.droppedSpans >= 20, `dropped ${processor.droppedSpans}`);
    const warning = await warned;
    assert.equal(warning.name, 'TraceExportWarning');
    assert.match(warning.message, /the span export thread failed, spans are dropped from now on: the exporter could not load/);
    await provider.forceFlush();
    await provider.shutdown();
  });

  it('a thread that falls behind: at most maxQueueSize spans wait for it, the rest are dropped; a flush gives up after its timeout', async () => {
    const silent = script('import { parentPort } from "node:worker_threads"; parentPort.on("message", () => {});');
    const warned = nextWarning();
    const { provider, processor } = providerWith({ workerUrl: silent, batchSize: 50, maxQueueSize: 100, timeoutMs: 200 });
    makeSpans(provider, 300);
    assert.equal(processor.droppedSpans, 200);
    assert.match((await warned).message, /more than 100 spans behind; dropping spans/);
    const started = Date.now();
    await provider.forceFlush();
    assert.ok(Date.now() - started >= 150, 'the flush waited for the thread until its timeout');
    await provider.shutdown();
  });
});
