import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, METRICS_PORTS } from '../../platform/config.js';

describe('METRICS_PORT', () => {
  it('unset: each service on its own default (write 9464, read 9465; the gateway on its API port)', () => {
    assert.equal(loadConfig({}).metricsPort, undefined);
    assert.deepEqual(METRICS_PORTS, { 'write-service': 9464, 'read-service': 9465 });
  });

  it('a port (0: any free one) for the process it is given to, or off', () => {
    assert.equal(loadConfig({ METRICS_PORT: '9500' }).metricsPort, 9500);
    assert.equal(loadConfig({ METRICS_PORT: '0' }).metricsPort, 0);
    assert.equal(loadConfig({ METRICS_PORT: 'off' }).metricsPort, 'off');
    assert.equal(loadConfig({ METRICS_PORT: '' }).metricsPort, undefined);
  });

  it('anything else is refused, naming what it may be', () => {
    for (const METRICS_PORT of ['on', '-1', '65536', '94.64', 'OFF']) {
      assert.throws(() => loadConfig({ METRICS_PORT }), /METRICS_PORT must be a port \(0-65535; 0: any free port\) or "off"/, METRICS_PORT);
    }
  });
});
