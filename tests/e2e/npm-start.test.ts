import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { cleanupNamespace, testConfig, uniqueNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const startScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/start.js');

describe('npm start', () => {
  const namespace = uniqueNamespace('start');
  const config = testConfig(namespace);
  after(async () => {
    await cleanupNamespace(config);
  });

  it('runs the three services, says where the explorer and their metrics are once all three are ready, and stops them all on SIGTERM', async () => {
    // PORT 0: the gateway takes a free port and reports it.
    const child = spawn(process.execPath, [startScript], {
      env: { ...process.env, NAMESPACE: namespace, PORT: '0', METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => output.includes('All three services are ready.'), { timeoutMs: 60_000, what: 'the ready banner' });
      const banner = output.slice(output.indexOf('All three services are ready.'));
      const explorer = /Explorer:\s+(http:\/\/\S+\/explorer)/.exec(banner)?.[1];
      assert.ok(explorer, `an explorer URL in:\n${banner}`);
      for (const service of ['write-service ready', 'read-service ready', 'gateway ready']) {
        assert.ok(output.indexOf(service) < output.indexOf('All three services are ready.'), `${service} before the banner`);
      }
      const page = await fetch(explorer);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /graphiql/i);
      // METRICS_PORT=0 here: each service's metrics on a free port of its own, all three in the banner.
      for (const service of ['gateway', 'write-service', 'read-service']) {
        const url = new RegExp(`(?:Metrics:)?\\s+${service}\\s+(http://\\S+/metrics)`).exec(banner)?.[1];
        assert.ok(url, `the ${service}'s metrics URL in:\n${banner}`);
        const metrics = await fetch(url);
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), new RegExp(`process_resident_memory_bytes\\{service="${service}"\\}`));
      }
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output.slice(-2000));
    }
  });
});
