import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { subjectsFor } from '../../platform/index.js';
import { PROJECTIONS } from '../../schema/index.js';
import { collectStatus } from '../../scripts/status/collect-status.js';
import { findProblems } from '../../scripts/status/find-problems.js';
import { isUnavailable, type StatusReport } from '../../scripts/status/status-report.js';
import { createProduct } from '../support/catalog.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const version = (JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
const projections = Object.values(PROJECTIONS);

/** Runs `npm run status` (its built script) as an operator would, with the system's environment. */
function runStatus(system: TestSystem, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(dist, 'scripts/status.js'), ...args],
      { env: { ...process.env, ...system.env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function available<T extends object>(part: T | { unavailable: string }): T {
  assert.ok(!('unavailable' in part), `unavailable: ${JSON.stringify(part)}`);
  return part;
}

describe('operations view (npm run status)', () => {
  let system: TestSystem;
  const collect = () => collectStatus(system.config, { projections, waitMs: 500 });
  const replicasOf = (report: StatusReport, service: string) =>
    available(report.services).find((s) => s.service === service)?.replicas ?? [];

  before(async () => {
    system = await TestSystem.start('status', { METRICS_PORT: '0' });
  });
  after(async () => {
    await system?.stop();
  });

  it('status - every replica of every service answers the ping, each as itself; a stopped one no longer does', async () => {
    await system.startService('write', 'write#2');
    const pids = system.pids();
    const report = await collect();
    const writes = replicasOf(report, 'write-service');
    assert.deepEqual(writes.map((r) => r.replica).sort(), [`${hostname()}:${pids.write}`, `${hostname()}:${pids['write#2']}`].sort());
    assert.deepEqual(
      replicasOf(report, 'read-service').map((r) => r.replica),
      [`${hostname()}:${pids.read}`],
    );
    const [gateway] = replicasOf(report, 'gateway');
    assert.equal(gateway?.replica, `${hostname()}:${pids.gateway}`);
    assert.equal(gateway?.endpoint, system.graphqlUrl);
    for (const replica of [...writes, ...replicasOf(report, 'read-service'), gateway]) {
      assert.equal(replica.version, version);
      assert.ok(replica.uptimeSeconds >= 0 && Date.parse(replica.startedAt) <= Date.parse(report.takenAt));
    }
    assert.equal(replicasOf(report, 'read-service')[0]?.metrics, system.readyInfo('read').metrics);
    assert.equal(typeof writes[0]?.inFlight, 'number');

    await system.stopService('write#2');
    const after = await collect();
    assert.deepEqual(
      replicasOf(after, 'write-service').map((r) => r.replica),
      [`${hostname()}:${pids.write}`],
    );
  });

  it('status - after a mutation every projection reaches the stream end, no backlog is left and nothing is wrong', async () => {
    await createProduct(system.graphqlUrl);
    const nc = await connect({ servers: system.config.natsUrl });
    let lastSeq: number;
    try {
      const info = await (await jetstreamManager(nc)).streams.info(subjectsFor(system.config.namespace).stream);
      lastSeq = info.state.last_seq;
    } finally {
      await nc.close();
    }
    assert.ok(lastSeq > 0);
    // Projections that only skip an event store their position after a quiet second.
    const report = await waitFor(
      async () => {
        const r = await collect();
        const ps = isUnavailable(r.projections) ? [] : r.projections;
        return ps.length === projections.length && ps.every((p) => p.position === lastSeq && p.lag === 0) ? r : undefined;
      },
      { what: `every projection at sequence ${lastSeq}` },
    );
    const stream = available(report.stream);
    assert.equal(stream.lastSeq, lastSeq);
    assert.equal(stream.messages, lastSeq);
    assert.ok(stream.consumers >= projections.length + 1, 'one consumer per projection and the saga');
    for (const p of available(report.projections)) {
      assert.equal(p.deadLetters, 0);
      assert.equal(p.runner, true, `${p.name} has a runner`);
      assert.equal(p.rebuilding, false);
      assert.equal(p.waitingSince, null);
    }
    assert.deepEqual(available(report.outbox), { unpublished: 0, oldestAt: null, relay: true });
    const saga = available(report.saga);
    assert.equal(saga.runner, true);
    assert.equal(saga.backlog?.pending, 0);
    assert.deepEqual(findProblems(report, { stuckAfterMs: 30_000 }), []);
  });

  it('status - the script prints the tables and exits 0; --json prints the report with no problems', async () => {
    const text = await runStatus(system, []);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /all well/);
    assert.match(text.stdout, new RegExp(`^write-service +${hostname()}:${system.pids().write} +${version.replace(/\./g, '\\.')} `, 'm'));
    for (const name of projections) assert.match(text.stdout, new RegExp(`^${name} +\\d+ +0 `, 'm'), `${name} at lag 0`);
    assert.match(text.stdout, new RegExp(`STREAM ${subjectsFor(system.config.namespace).stream}`));
    assert.ok(!text.stdout.includes('\x1b['), 'no colours when stdout is not a terminal');

    const json = await runStatus(system, ['--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as StatusReport & { problems: unknown[]; healthy: boolean };
    assert.equal(parsed.healthy, true);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.namespace, system.config.namespace);
    assert.equal(available(parsed.outbox).unpublished, 0);

    const usage = await runStatus(system, ['--frobnicate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: status/);
  });

  it('status - dead letters and a service without replicas make it exit 1, naming them', async () => {
    // A message in the stream that is no event at all: every projection records it as a dead letter.
    const nc = await connect({ servers: system.config.natsUrl });
    try {
      await jetstream(nc).publish(`${system.config.namespace}.events.acme.Product.${crypto.randomUUID()}`, 'not an event');
    } finally {
      await nc.close();
    }
    await waitFor(
      async () => {
        const r = await collect();
        return !isUnavailable(r.projections) && r.projections.every((p) => p.deadLetters === 1 && p.lag === 0);
      },
      { what: 'every projection to dead-letter the message' },
    );
    await system.stopService('gateway');

    const json = await runStatus(system, ['--json']);
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.stdout) as { problems: { part: string; message: string }[]; healthy: boolean };
    assert.equal(parsed.healthy, false);
    assert.deepEqual(parsed.problems.map((p) => p.part).sort(), [...projections, 'gateway'].sort());
    assert.match(parsed.problems.find((p) => p.part === 'gateway')!.message, /no replica/);
    assert.match(parsed.problems.find((p) => p.part === PROJECTIONS.product)!.message, /1 open dead letter/);

    const text = await runStatus(system, []);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^gateway +no replica answered/m);
    assert.match(text.stdout, new RegExp(`^  ${PROJECTIONS.order}: 1 open dead letter`, 'm'));
  });
});
