import { subjectsFor } from '../../platform/index.js';
import type { Problem } from './find-problems.js';
import { formatAge, formatBytes } from './format.js';
import { isUnavailable, type StatusReport, type Unavailable } from './status-report.js';
import { type Cell, paint, table } from './text-table.js';

export interface RenderOptions {
  /** ANSI colours (only when stdout is a terminal). */
  colour: boolean;
}

const NONE: Cell = { text: '-', tone: 'dim' };

/** The report as the terminal shows it: one table per part, then the problems. */
export function renderStatus(report: StatusReport, problems: readonly Problem[], { colour }: RenderOptions): string[] {
  const now = Date.parse(report.takenAt);
  const ago = (iso: string | null): Cell => (iso === null ? NONE : { text: `${formatAge(now - Date.parse(iso))} ago` });
  const count = (n: number, tone: 'bad' | 'warn' = 'warn'): Cell => ({ text: String(n), right: true, ...(n > 0 ? { tone } : {}) });
  const flagged = new Set(problems.map((p) => p.part));
  const title = (text: string) => paint(text, 'strong', colour);
  const unavailable = (part: Unavailable) => [paint(`  could not be read: ${part.unavailable}`, 'bad', colour)];
  const verdict = problems.length === 0 ? paint('all well', 'good', colour) : paint(plural(problems.length, 'problem'), 'bad', colour);

  const lines = [`${report.namespace} at ${report.takenAt}: ${verdict}`, ''];

  lines.push(title('SERVICES'));
  if (isUnavailable(report.services)) lines.push(...unavailable(report.services));
  else {
    const rows = report.services.flatMap(({ service, replicas }): Cell[][] =>
      replicas.length === 0
        ? [[{ text: service, tone: 'bad' }, { text: 'no replica answered', tone: 'bad' }, NONE, NONE, NONE, NONE]]
        : replicas.map((r) => [
            { text: service },
            { text: r.replica },
            { text: r.version },
            { text: formatAge(r.uptimeSeconds * 1000), right: true },
            r.inFlight === undefined ? NONE : count(r.inFlight),
            r.metrics === undefined ? NONE : { text: r.metrics },
          ]),
    );
    lines.push(...table(['service', 'replica', 'version', 'up', 'in flight', 'metrics'], rows, colour));
  }

  lines.push('', title(`STREAM ${subjectsFor(report.namespace).stream}`));
  if (isUnavailable(report.stream)) lines.push(...unavailable(report.stream));
  else {
    const s = report.stream;
    lines.push(
      ...table(
        ['messages', 'size', 'first seq', 'last seq', 'last event', 'consumers'],
        [
          [
            { text: String(s.messages), right: true },
            { text: formatBytes(s.bytes), right: true },
            { text: String(s.firstSeq), right: true },
            { text: String(s.lastSeq), right: true },
            ago(s.lastAt),
            { text: String(s.consumers), right: true },
          ],
        ],
        colour,
      ),
    );
  }

  lines.push('', title('PROJECTIONS'));
  if (isUnavailable(report.projections)) lines.push(...unavailable(report.projections));
  else {
    const rows = report.projections.map((p): Cell[] => [
      { text: p.name, ...(flagged.has(p.name) ? { tone: 'bad' as const } : {}) },
      { text: String(p.position), right: true },
      p.lag === null ? NONE : count(p.lag),
      p.lag ? ago(p.waitingSince) : NONE,
      count(p.deadLetters, 'bad'),
      { text: [p.runner ? 'leading' : 'none', ...(p.rebuilding ? ['rebuilding'] : [])].join(', '), ...(p.runner ? {} : { tone: 'warn' }) },
      ago(p.updatedAt),
    ]);
    lines.push(...table(['projection', 'position', 'lag', 'oldest waiting', 'dead letters', 'runner', 'stored'], rows, colour));
  }

  lines.push('', title('OUTBOX'));
  if (isUnavailable(report.outbox)) lines.push(...unavailable(report.outbox));
  else {
    const o = report.outbox;
    lines.push(
      ...table(
        ['unpublished', 'oldest', 'relay'],
        [[count(o.unpublished), ago(o.oldestAt), { text: o.relay ? 'leading' : 'none', ...(o.relay ? {} : { tone: 'warn' }) }]],
        colour,
      ),
    );
  }

  lines.push('', title(isUnavailable(report.saga) ? 'SAGA' : `SAGA ${report.saga.name} (consumer ${report.saga.consumer})`));
  if (isUnavailable(report.saga)) lines.push(...unavailable(report.saga));
  else {
    const g = report.saga;
    const b = g.backlog;
    lines.push(
      ...table(
        ['position', 'pending', 'ack pending', 'listening', 'last delivery', 'runner'],
        [
          [
            g.position === null ? NONE : { text: String(g.position), right: true },
            b ? count(b.pending) : { text: 'no consumer', tone: 'bad' },
            b ? count(b.ackPending) : NONE,
            b ? { text: b.pullsWaiting > 0 ? 'yes' : 'no' } : NONE,
            b ? ago(b.lastDeliveredAt) : NONE,
            { text: g.runner ? 'leading' : 'none', ...(g.runner ? {} : { tone: 'warn' }) },
          ],
        ],
        colour,
      ),
    );
  }

  lines.push('', title('PROBLEMS'));
  if (problems.length === 0) lines.push(paint('  none', 'good', colour));
  for (const problem of problems) lines.push(paint(`  ${problem.part}: ${problem.message}`, 'bad', colour));
  return lines;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
