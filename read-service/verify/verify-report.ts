import type { StreamAudit } from '../../write-service/index.js';
import type { FoldFailure } from './event-store-fold.js';
import type { UnpublishedEvent } from './publication-wait.js';
import type { DeadLetterRef, TableDifference } from './scratch-schema.js';

/** What `npm run verify` found: each list empty (and the stream not behind) is a clean system. */
export interface VerifyReport {
  /** The projections' checkpoints in the snapshot. */
  positions: Record<string, number>;
  /** Events read from the event store and folded into the expected tables. */
  eventsFolded: number;
  /** Read model rows that differ from what the event store folds into. */
  differences: TableDifference[];
  /** Events of the store that a projection refused in the fold although it applied them live (no dead letter). */
  foldFailures: FoldFailure[];
  /** Committed events the relay had not published when verify gave up waiting. */
  unpublished: UnpublishedEvent[];
  /** The stream against the outbox: what it lost, what it holds out of order. */
  stream: StreamAudit;
  /** Open dead letters: events missing from a read model (a difference). */
  deadLetters: DeadLetterRef[];
  /** Discarded dead letters: events an operator chose to leave out (reported, not a difference). */
  discarded: DeadLetterRef[];
}

export function isClean(report: VerifyReport): boolean {
  return (
    report.differences.length === 0 &&
    report.foldFailures.length === 0 &&
    report.unpublished.length === 0 &&
    report.stream.missing.length === 0 &&
    report.stream.outOfOrder.length === 0 &&
    !report.stream.behind &&
    report.deadLetters.length === 0
  );
}

/** The report as lines for a terminal, at most `sample` items per finding. */
export function formatVerifyReport(report: VerifyReport, sample = 20): string[] {
  const lines: string[] = [];
  const list = <T>(items: readonly T[], line: (item: T) => string) => {
    for (const item of items.slice(0, sample)) lines.push(`  ${line(item)}`);
    if (items.length > sample) lines.push(`  ... and ${items.length - sample} more`);
  };
  const { stream } = report;
  lines.push(`folded ${report.eventsFolded} events from the event store; checkpoints ${JSON.stringify(report.positions)}`);
  lines.push(
    `stream ${stream.stream}: sequences ${stream.firstSeq}..${stream.lastSeq} (${stream.messages} messages); ${stream.checked} published events checked against it`,
  );

  for (const difference of report.differences) {
    lines.push(
      '',
      `${difference.table}: ${difference.onlyLive.length} row(s) only live, ${difference.onlyExpected.length} only in the event store's fold`,
    );
    for (const row of difference.onlyLive) lines.push(`  live        ${JSON.stringify(row)}`);
    for (const row of difference.onlyExpected) lines.push(`  event store ${JSON.stringify(row)}`);
  }
  if (report.foldFailures.length > 0) {
    lines.push('', `${report.foldFailures.length} event(s) failed in the fold that the live projections applied:`);
    list(
      report.foldFailures,
      (f) => `${f.projection} ${f.eventType} ${f.eventId} (global position ${f.globalPosition}, stream ${f.streamSeq}): ${f.error}`,
    );
  }
  if (stream.behind) {
    lines.push(
      '',
      `the stream's last sequence ${stream.lastSeq} is below ${stream.highestMarked}, which it acknowledged before: it lost its tail or was recreated, ` +
        'and consumers skip what is published at sequences they believe applied (see npm run republish)',
    );
  }
  if (stream.missing.length > 0) {
    lines.push(
      '',
      `${stream.missing.length} published event(s) missing from the stream; npm run republish -- --missing puts them back in the stream:`,
    );
    list(
      stream.missing,
      (m) => `${m.eventId} (global position ${m.globalPosition}) at stream ${m.streamSeq}: ${m.reason}${m.found ? ` by ${m.found}` : ''}`,
    );
  }
  if (stream.outOfOrder.length > 0) {
    lines.push('', `${stream.outOfOrder.length} event(s) out of version order in the stream:`);
    list(
      stream.outOfOrder,
      (o) => `${o.aggregate} v${o.version} (${o.eventId}) at stream ${o.streamSeq}, after v${o.afterVersion} at ${o.afterSeq}`,
    );
  }
  if (report.unpublished.length > 0) {
    lines.push('', `${report.unpublished.length} committed event(s) not published by the relay:`);
    list(report.unpublished, (u) => `${u.eventId} (outbox ${u.outboxId}, ${u.subject}) committed at ${u.createdAt}`);
  }
  if (report.deadLetters.length > 0) {
    lines.push('', `${report.deadLetters.length} dead letter(s): events missing from their read model (npm run dead-letters -- list):`);
    for (const [projection, letters] of byProjection(report.deadLetters)) {
      lines.push(
        `  ${projection}: ${letters.map((l) => `#${l.id} ${l.eventType ?? '(not an event)'} ${l.eventId ?? ''} @${l.streamSeq}`.trim()).join('; ')}`,
      );
    }
  }
  if (report.discarded.length > 0) {
    lines.push('', `${report.discarded.length} discarded dead letter(s), left out on purpose:`);
    for (const [projection, letters] of byProjection(report.discarded)) {
      lines.push(`  ${projection}: ${letters.map((l) => `#${l.id} ${l.eventId ?? `@${l.streamSeq}`}`).join('; ')}`);
    }
  }
  lines.push('', isClean(report) ? 'no differences' : 'differences found');
  return lines;
}

function byProjection<T extends { projection: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.projection, [...(groups.get(item.projection) ?? []), item]);
  return groups;
}
