import { formatAge } from './format.js';
import { isUnavailable, SERVICES, type StatusReport } from './status-report.js';

/** Something an operator should look at; `npm run status` exits 1 when there is any. */
export interface Problem {
  /** What it is about: a service, a projection, `outbox`, `saga`, `stream`... */
  part: string;
  message: string;
}

export interface ProblemOptions {
  /** A backlog whose oldest item has waited longer than this is stuck (a moment's backlog is not a problem). */
  stuckAfterMs: number;
}

/**
 * What is wrong in a snapshot, judged at the moment it was taken: a part that could not be read;
 * a service with no replica answering; open dead letters; a projection checkpoint past the
 * stream's end (the stream lost messages); a backlog (projection, outbox, saga) whose oldest
 * item has waited longer than `stuckAfterMs`; the saga's consumer missing.
 */
export function findProblems(report: StatusReport, options: ProblemOptions): Problem[] {
  const problems: Problem[] = [];
  const now = Date.parse(report.takenAt);
  const waited = (since: string | null) => (since === null ? 0 : now - Date.parse(since));
  const stuck = (since: string | null) => since !== null && waited(since) > options.stuckAfterMs;
  // One source down (NATS, a database) is said once, naming every part it feeds.
  const unreadable = new Map<string, string[]>();
  const unavailable = (part: string, reason: string) => unreadable.set(reason, [...(unreadable.get(reason) ?? []), part]);

  if (isUnavailable(report.services)) unavailable('services', report.services.unavailable);
  else {
    for (const service of SERVICES) {
      if (!report.services.some((s) => s.service === service && s.replicas.length > 0)) {
        problems.push({ part: service, message: 'no replica answered the status ping' });
      }
    }
  }

  if (isUnavailable(report.stream)) unavailable('stream', report.stream.unavailable);
  if (isUnavailable(report.projections)) unavailable('projections', report.projections.unavailable);
  else {
    for (const p of report.projections) {
      if (p.deadLetters > 0) {
        problems.push({
          part: p.name,
          message: `${p.deadLetters} open dead letter${p.deadLetters === 1 ? '' : 's'} (npm run dead-letters -- list --projection ${p.name})`,
        });
      }
      if (!isUnavailable(report.stream) && p.position > report.stream.lastSeq) {
        problems.push({
          part: p.name,
          message: `checkpoint ${p.position} is past the stream's last sequence ${report.stream.lastSeq}: the stream lost messages (see npm run republish)`,
        });
      }
      if (p.lag !== null && p.lag > 0 && stuck(p.waitingSince)) {
        problems.push({
          part: p.name,
          message: `${p.lag} events behind, the oldest waiting ${formatAge(waited(p.waitingSince))}${p.runner || p.rebuilding ? '' : ' (no runner leads it)'}`,
        });
      }
    }
  }

  if (isUnavailable(report.outbox)) unavailable('outbox', report.outbox.unavailable);
  else if (report.outbox.unpublished > 0 && stuck(report.outbox.oldestAt)) {
    problems.push({
      part: 'outbox',
      message: `${report.outbox.unpublished} committed events unpublished, the oldest for ${formatAge(waited(report.outbox.oldestAt))}${report.outbox.relay ? '' : ' (no relay leads)'}`,
    });
  }

  if (isUnavailable(report.saga)) unavailable('saga', report.saga.unavailable);
  else if (report.saga.backlog === null) {
    problems.push({
      part: report.saga.name,
      message: `its consumer ${report.saga.consumer} does not exist (no write-service has run the saga)`,
    });
  } else {
    // Waiting events are delivered at once to a saga that runs: none delivered for a while means it does not.
    const { pending, ackPending, lastDeliveredAt, createdAt } = report.saga.backlog;
    const waiting = pending + ackPending;
    const quietSince = lastDeliveredAt ?? createdAt;
    if (waiting > 0 && stuck(quietSince)) {
      problems.push({
        part: report.saga.name,
        message: `${waiting} order events waiting, nothing delivered for ${formatAge(waited(quietSince))}${report.saga.runner ? '' : ' (no write-service runs the saga)'}`,
      });
    }
  }
  return [...[...unreadable].map(([reason, parts]) => ({ part: parts.join(', '), message: `could not be read (${reason})` })), ...problems];
}
