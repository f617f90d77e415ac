import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanBatchReader, toResourceRecord, toSpanRecord, type SpanBatch } from '../../platform/telemetry/export/span-record.js';

/** Spans of every shape the services make: attributes of each type, an error with its event, links, a remote parent, trace state. */
function madeSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'write-service', 'process.pid': 4242, 'host.arch': 'amd64' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const graphql = provider.getTracer('@opentelemetry/instrumentation-graphql', '0.72.0');
  const ours = provider.getTracer('cqrs-graphql-gateway');
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=a1,other=b2'),
  });
  const operation = graphql.startSpan('mutation Restock', { kind: SpanKind.SERVER }, remoteParent);
  operation.setAttributes({ 'graphql.operation.type': 'mutation', 'graphql.source': 'mutation Restock { restock(id: "*") { id } }' });
  const command = ours.startSpan(
    'command restock',
    {
      attributes: { 'cqrs.events': 2, 'cqrs.retried': false, 'cqrs.ratio': 0.25, 'cqrs.tags': ['a', 'b'] },
      links: [
        {
          context: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1, traceState: new TraceState('k=v') },
          attributes: { why: 'batch' },
        },
        { context: { traceId: '3'.repeat(32), spanId: '4'.repeat(16), traceFlags: 0, isRemote: true } },
      ],
    },
    trace.setSpan(context.active(), operation),
  );
  command.recordException(Object.assign(new Error('stock would go negative'), { code: 'BAD_USER_INPUT' }));
  command.setStatus({ code: SpanStatusCode.ERROR, message: 'stock would go negative' });
  command.end();
  operation.end();
  return exporter.getFinishedSpans();
}

/** What a batch is once it crossed to the exporting thread: a structured clone, as postMessage makes it. */
function sent(spans: ReadableSpan[]): SpanBatch {
  const scopes = [...new Set(spans.map((span) => span.instrumentationScope))];
  return structuredClone({
    resource: toResourceRecord(spans[0]!.resource),
    scopes,
    spans: spans.map((span) => toSpanRecord(span, scopes.indexOf(span.instrumentationScope))),
  });
}

describe('span records - what crosses to the span export thread', () => {
  it('export the same OTLP bytes as the spans they were made from (protobuf and JSON)', () => {
    const spans = madeSpans();
    assert.equal(spans.length, 2);
    const rebuilt = new SpanBatchReader().read(sent(spans));
    assert.deepEqual(
      Buffer.from(ProtobufTraceSerializer.serializeRequest(rebuilt)!),
      Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!),
    );
    const json = (list: ReadableSpan[]) => JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(list)!).toString('utf8')) as unknown;
    assert.deepEqual(json(rebuilt), json(spans));
  });

  it('keep what the exporters read: ids, the remote parent and trace state, links, the error event and status', () => {
    const [command] = new SpanBatchReader().read(sent(madeSpans()));
    assert.equal(command!.name, 'command restock');
    assert.equal(command!.parentSpanContext?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(command!.spanContext().traceState?.get('vendor'), 'a1', 'the trace state, a class again');
    assert.equal(command!.links[0]!.context.traceState?.get('k'), 'v');
    assert.equal(command!.links[1]!.context.isRemote, true);
    assert.equal(command!.events[0]!.name, 'exception');
    assert.equal(command!.status.code, SpanStatusCode.ERROR);
    assert.equal(command!.instrumentationScope.name, 'cqrs-graphql-gateway');
    assert.equal(command!.resource.attributes['process.pid'], 4242);
  });

  it('carry the resource and each scope once: later batches name them by index', () => {
    const reader = new SpanBatchReader();
    const spans = madeSpans();
    const first = sent(spans);
    reader.read(first);
    const later: SpanBatch = { resource: undefined, scopes: [], spans: first.spans.slice().reverse() };
    const rebuilt = reader.read(later);
    assert.deepEqual(
      rebuilt.map((span) => [span.name, span.instrumentationScope.name, span.resource.attributes['service.name']]),
      [
        ['mutation Restock', '@opentelemetry/instrumentation-graphql', 'write-service'],
        ['command restock', 'cqrs-graphql-gateway', 'write-service'],
      ],
    );
  });
});
