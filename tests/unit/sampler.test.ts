import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { TelemetrySampler, envSampler } from '../../platform/telemetry/sampler.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });

const decide = (env: NodeJS.ProcessEnv, name: string, parent = ROOT_CONTEXT) =>
  new TelemetrySampler(envSampler(env)).shouldSample(parent, TRACE_ID, name, SpanKind.CLIENT, {}, []).decision;

describe('TelemetrySampler - which spans a service records', () => {
  it('never the statements that open or release a transaction or savepoint, even under a sampled parent', () => {
    for (const name of ['pg.query:BEGIN t_app_read', 'pg.query:SAVEPOINT t_app_read', 'pg.query:RELEASE t_app_read']) {
      assert.equal(decide({}, name, sampledParent), SamplingDecision.NOT_RECORD, name);
      assert.equal(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, name, sampledParent), SamplingDecision.NOT_RECORD, name);
    }
  });
  it('every other statement, COMMIT and ROLLBACK included, as the configured sampler decides', () => {
    for (const name of [
      'pg.query:COMMIT t_app_read',
      'pg.query:ROLLBACK t_app_read',
      'pg.query:SELECT t_app_write',
      'pg.query:BEGINNING x',
    ]) {
      assert.equal(decide({}, name, sampledParent), SamplingDecision.RECORD_AND_SAMPLED, name);
      assert.equal(decide({}, name, unsampledParent), SamplingDecision.NOT_RECORD, name);
    }
  });
});

describe('envSampler - OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, as the SDK reads them', () => {
  it('parentbased_always_on when unset or unknown: a root is sampled, a child follows its parent', () => {
    for (const env of [{}, { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, { OTEL_TRACES_SAMPLER: 'no_such_sampler' }]) {
      assert.equal(decide(env, 'mutation Restock'), SamplingDecision.RECORD_AND_SAMPLED, JSON.stringify(env));
      assert.equal(decide(env, 'command restockProduct', unsampledParent), SamplingDecision.NOT_RECORD, JSON.stringify(env));
    }
  });
  it('always_on and always_off ignore the parent, in any case', () => {
    assert.equal(decide({ OTEL_TRACES_SAMPLER: 'always_on' }, 'command x', unsampledParent), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide({ OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }, 'command x', sampledParent), SamplingDecision.NOT_RECORD);
    assert.equal(decide({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, 'mutation x'), SamplingDecision.NOT_RECORD);
    assert.equal(
      decide({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, 'command x', sampledParent),
      SamplingDecision.RECORD_AND_SAMPLED,
    );
  });
  it('a ratio from OTEL_TRACES_SAMPLER_ARG, and 1 when it is missing or outside [0, 1]', () => {
    assert.equal(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 'mutation x'), SamplingDecision.NOT_RECORD);
    assert.equal(
      decide({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 'mutation x'),
      SamplingDecision.NOT_RECORD,
    );
    assert.equal(
      decide({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }, 'command x', sampledParent),
      SamplingDecision.RECORD_AND_SAMPLED,
      'a sampled parent decides for its child',
    );
    for (const arg of [undefined, '', '2', '-0.5', 'half']) {
      assert.equal(
        decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg }, 'mutation x'),
        SamplingDecision.RECORD_AND_SAMPLED,
        String(arg),
      );
    }
  });
});
