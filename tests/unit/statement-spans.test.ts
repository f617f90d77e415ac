import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { currentLogContext, withLogContext } from '../../platform/log-context.js';
import { inSpanSync, setTracingEnabled, withoutStatementSpans } from '../../platform/telemetry/index.js';

describe("withoutStatementSpans - a projection batch's statements make no spans, its log lines keep the trace", () => {
  const exporter = new InMemorySpanExporter();
  before(() => {
    context.setGlobalContextManager(new StackContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    setTracingEnabled(true);
  });
  after(() => {
    setTracingEnabled(false);
    trace.disable();
    context.disable();
  });

  it('runs its work with no span active (instrumentation-pg then records nothing), the trace id in the log context', () => {
    withLogContext({ correlationId: 'c-1' }, () =>
      inSpanSync('projection product_view', {}, () => {
        const traceId = trace.getActiveSpan()!.spanContext().traceId;
        const seen = withoutStatementSpans(() => ({ span: trace.getActiveSpan(), log: currentLogContext() }));
        assert.equal(seen.span, undefined, 'no span active inside');
        assert.deepEqual(seen.log, { correlationId: 'c-1', traceId }, "the log lines' trace id, beside what was set");
        assert.equal(trace.getActiveSpan()?.spanContext().traceId, traceId, 'the batch span is active again after it');
      }),
    );
    assert.deepEqual(
      exporter.getFinishedSpans().map((span) => span.name),
      ['projection product_view'],
    );
  });

  it('leaves the context alone when no span is active, or tracing is off', () => {
    assert.equal(
      withoutStatementSpans(() => currentLogContext()),
      undefined,
    );
    setTracingEnabled(false);
    try {
      inSpanSync('not started', {}, () =>
        assert.equal(
          withoutStatementSpans(() => currentLogContext()),
          undefined,
        ),
      );
    } finally {
      setTracingEnabled(true);
    }
  });
});
