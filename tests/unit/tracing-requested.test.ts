import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tracingRequested } from '../../platform/telemetry/index.js';

describe('telemetry - when a service starts the OpenTelemetry SDK', () => {
  it('not without configuration: an unset environment traces nothing (no default exporter)', () => {
    assert.equal(tracingRequested({}), false);
  });
  it('when OTEL_TRACES_EXPORTER names an exporter, or an OTLP endpoint is given', () => {
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
  });
  it('not when the exporter is "none" or the SDK is disabled, whatever else is set', () => {
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp,none' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
  });
});
