import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findProblems } from '../../scripts/status/find-problems.js';
import { formatAge, formatBytes } from '../../scripts/status/format.js';
import { renderStatus } from '../../scripts/status/render-status.js';
import type { ProjectionState, SagaBacklog, StatusReport } from '../../scripts/status/status-report.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const STUCK = { stuckAfterMs: 30_000 };

function replica(service: string, pid: number) {
  return { service, replica: `host:${pid}`, version: '0.1.0', startedAt: ago(300), uptimeSeconds: 300, inFlight: 0 };
}

function projection(name: string, overrides: Partial<ProjectionState> = {}): ProjectionState {
  return {
    name,
    position: 120,
    lag: 0,
    waitingSince: null,
    deadLetters: 0,
    updatedAt: ago(2),
    runner: true,
    rebuilding: false,
    ...overrides,
  };
}

function backlog(overrides: Partial<SagaBacklog> = {}): SagaBacklog {
  return { pending: 0, ackPending: 0, pullsWaiting: 1, lastDeliveredAt: ago(60), createdAt: ago(300), ...overrides };
}

/** A system where all is well: each service answering, everything at the stream's end, no backlog. */
function healthy(): StatusReport {
  return {
    namespace: 'cqrs',
    takenAt: new Date(NOW).toISOString(),
    services: [
      { service: 'gateway', replicas: [replica('gateway', 10)] },
      { service: 'write-service', replicas: [replica('write-service', 11), replica('write-service', 12)] },
      { service: 'read-service', replicas: [replica('read-service', 13)] },
    ],
    stream: { name: 'CQRS_EVENTS', messages: 120, bytes: 48_000, firstSeq: 1, lastSeq: 120, lastAt: ago(2), consumers: 7 },
    projections: [projection('product_view'), projection('order_view')],
    outbox: { unpublished: 0, oldestAt: null, relay: true },
    saga: { name: 'order_saga', consumer: 'cqrs_order_saga', position: 118, runner: true, backlog: backlog() },
  };
}

function withProjection(report: StatusReport, overrides: Partial<ProjectionState>): StatusReport {
  return { ...report, projections: [projection('product_view', overrides), projection('order_view')] };
}

const parts = (report: StatusReport) => findProblems(report, STUCK).map((p) => p.part);
const messages = (report: StatusReport) => findProblems(report, STUCK).map((p) => `${p.part}: ${p.message}`);

describe('operations view - problems', () => {
  it('a healthy system has none', () => {
    assert.deepEqual(findProblems(healthy(), STUCK), []);
  });

  it('a service with no replica answering is one', () => {
    const report = healthy();
    report.services = [
      { service: 'gateway', replicas: [] },
      ...(report.services as { service: string }[]).slice(1),
    ] as StatusReport['services'];
    assert.deepEqual(messages(report), ['gateway: no replica answered the status ping']);
    assert.deepEqual(parts({ ...healthy(), services: [] }), ['gateway', 'write-service', 'read-service']);
  });

  it('open dead letters are one, with the command that lists them', () => {
    assert.deepEqual(messages(withProjection(healthy(), { deadLetters: 3 })), [
      'product_view: 3 open dead letters (npm run dead-letters -- list --projection product_view)',
    ]);
  });

  it('a lag is one only once its oldest event has waited longer than the threshold', () => {
    const lagging = (seconds: number, runner = true) =>
      withProjection(healthy(), { position: 117, lag: 3, waitingSince: ago(seconds), runner });
    assert.deepEqual(findProblems(lagging(10), STUCK), [], 'a moment behind under load is normal');
    assert.deepEqual(messages(lagging(45)), ['product_view: 3 events behind, the oldest waiting 45s']);
    assert.deepEqual(messages(lagging(45, false)), ['product_view: 3 events behind, the oldest waiting 45s (no runner leads it)']);
    assert.deepEqual(findProblems(lagging(45), { stuckAfterMs: 60_000 }), []);
  });

  it('a checkpoint past the stream end is one: the stream lost messages', () => {
    assert.deepEqual(messages(withProjection(healthy(), { position: 130, lag: 0 })), [
      "product_view: checkpoint 130 is past the stream's last sequence 120: the stream lost messages (see npm run republish)",
    ]);
  });

  it('an outbox backlog is one once its oldest row has waited longer than the threshold', () => {
    assert.deepEqual(findProblems({ ...healthy(), outbox: { unpublished: 40, oldestAt: ago(1), relay: true } }, STUCK), []);
    assert.deepEqual(messages({ ...healthy(), outbox: { unpublished: 40, oldestAt: ago(90), relay: false } }), [
      'outbox: 40 committed events unpublished, the oldest for 1m 30s (no relay leads)',
    ]);
  });

  it('a saga backlog is one when nothing was delivered for longer than the threshold; a missing consumer is one', () => {
    const saga = (b: SagaBacklog | null, runner = true): StatusReport => ({
      ...healthy(),
      saga: { name: 'order_saga', consumer: 'cqrs_order_saga', position: 100, runner, backlog: b },
    });
    assert.deepEqual(findProblems(saga(backlog({ pending: 2, lastDeliveredAt: ago(1) })), STUCK), []);
    assert.deepEqual(findProblems(saga(backlog({ pending: 1, lastDeliveredAt: null, createdAt: ago(1) })), STUCK), [], 'just recreated');
    assert.deepEqual(messages(saga(backlog({ pending: 2, ackPending: 1, lastDeliveredAt: ago(120) }), false)), [
      'order_saga: 3 order events waiting, nothing delivered for 2m 0s (no write-service runs the saga)',
    ]);
    assert.deepEqual(messages(saga(null)), ['order_saga: its consumer cqrs_order_saga does not exist (no write-service has run the saga)']);
  });

  it('a source that could not be read is said once, naming every part it feeds', () => {
    const nats = { unavailable: 'NATS: connection refused' };
    const report: StatusReport = { ...healthy(), services: nats, stream: nats, saga: nats };
    assert.deepEqual(messages(report), ['services, stream, saga: could not be read (NATS: connection refused)']);
  });
});

describe('operations view - rendering', () => {
  /** Lines of the table under a title, header first, up to the blank line. */
  function section(lines: string[], title: string): string[] {
    const start = lines.findIndex((line) => line.startsWith(title));
    const end = lines.indexOf('', start);
    return lines.slice(start + 1, end === -1 ? undefined : end);
  }

  it('columns line up under their headers (numbers right-aligned under theirs)', () => {
    const report = withProjection(healthy(), { name: 'a_much_longer_projection_name', position: 7, lag: 113, waitingSince: ago(5) });
    const [header, ...rows] = section(renderStatus(report, [], { colour: false }), 'PROJECTIONS');
    assert.ok(header);
    const lagEnd = header.indexOf('lag') + 'lag'.length;
    const oldest = header.indexOf('oldest waiting');
    assert.equal(rows[0]!.slice(0, lagEnd).trimEnd().endsWith('113'), true, rows[0]);
    assert.equal(rows[1]!.slice(0, lagEnd).trimEnd().endsWith(' 0'), true, rows[1]);
    assert.equal(rows[0]!.slice(oldest).startsWith('5s ago'), true, rows[0]);
    assert.equal(rows[0]!.indexOf('7 '), header.indexOf('position') + 'position'.length - 1);
  });

  it('says all is well, or how many problems and which', () => {
    assert.match(renderStatus(healthy(), [], { colour: false })[0]!, /^cqrs at 2026-12-01T12:00:00.000Z: all well$/);
    const problems = [{ part: 'gateway', message: 'no replica answered the status ping' }];
    const lines = renderStatus({ ...healthy(), services: [{ service: 'gateway', replicas: [] }] }, problems, { colour: false });
    assert.match(lines[0]!, /: 1 problem$/);
    assert.deepEqual(section(lines, 'PROBLEMS'), ['  gateway: no replica answered the status ping']);
    assert.match(section(lines, 'SERVICES')[1]!, /^gateway +no replica answered/);
  });

  it('shows a part that could not be read, and the rest', () => {
    const lines = renderStatus({ ...healthy(), outbox: { unavailable: 'write database: connection refused' } }, [], { colour: false });
    assert.deepEqual(section(lines, 'OUTBOX'), ['  could not be read: write database: connection refused']);
    assert.equal(section(lines, 'PROJECTIONS').length, 3);
  });

  it('colours only when asked, and never moves a column', () => {
    const report = withProjection(healthy(), { deadLetters: 2 });
    const problems = findProblems(report, STUCK);
    const plain = renderStatus(report, problems, { colour: false });
    const coloured = renderStatus(report, problems, { colour: true });
    assert.ok(!plain.join('\n').includes('\x1b['));
    assert.ok(coloured.join('\n').includes('\x1b[31m'));
    const strip = (line: string) => line.replace(new RegExp(String.raw`\x1b\[[0-9;]*m`, 'g'), '');
    assert.deepEqual(coloured.map(strip), plain);
  });

  it('formats ages and sizes for reading', () => {
    assert.deepEqual([0, 59_999, 60_000, 3_599_000, 3_600_000, 90_061_000].map(formatAge), [
      '0s',
      '59s',
      '1m 0s',
      '59m 59s',
      '1h 0m',
      '1d 1h',
    ]);
    assert.deepEqual([512, 48_000, 5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes), ['512 B', '46.9 KiB', '5.0 MiB', '3.0 GiB']);
  });
});
