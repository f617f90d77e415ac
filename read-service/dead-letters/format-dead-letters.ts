import type { StoredDeadLetter } from './dead-letter-store.js';
import { RetryOutcomeKind, type RetryOutcome } from './retry-dead-letters.js';

/** Dead letters for a terminal: one block per letter, grouped by projection. */
export function formatDeadLetters(letters: readonly StoredDeadLetter[]): string[] {
  if (letters.length === 0) return ['no dead letters'];
  const lines: string[] = [];
  let projection: string | undefined;
  for (const letter of letters) {
    if (letter.projection !== projection) {
      projection = letter.projection;
      const count = letters.filter((l) => l.projection === projection).length;
      lines.push(`${projection}: ${count} dead letter(s)`);
    }
    const state = letter.discardedAt ? `discarded ${letter.discardedAt}` : 'open';
    lines.push(
      `  ${words(`#${letter.id}`, letter.eventType ?? '(not an event)', letter.eventId, `tenant ${letter.tenant ?? '-'}`, `stream ${letter.streamSeq}`, `(${state})`)}`,
    );
    lines.push(
      `     attempts ${letter.attempts}, first ${letter.createdAt}${letter.retriedAt ? `, last retried ${letter.retriedAt}` : ''}`,
    );
    lines.push(`     error: ${letter.error.trim().split('\n').join('\n            ')}`);
  }
  return lines;
}

/** What a retry did, letter by letter, and a summary. */
export function formatRetryOutcomes(outcomes: readonly RetryOutcome[]): string[] {
  if (outcomes.length === 0) return ['no open dead letter matched'];
  const lines = outcomes.map(
    ({ letter, outcome, detail }) =>
      `${words(`#${letter.id}`, letter.projection, letter.eventType ?? '(not an event)', letter.eventId, `stream ${letter.streamSeq}`)}: ${outcome} (${detail})`,
  );
  const count = (kind: RetryOutcomeKind) => outcomes.filter((o) => o.outcome === kind).length;
  lines.push(
    `applied ${count(RetryOutcomeKind.Applied)}, nothing to change ${count(RetryOutcomeKind.NothingToChange)}, ` +
      `need a rebuild ${count(RetryOutcomeKind.NeedsRebuild)}, failed again ${count(RetryOutcomeKind.Failed)}, gone ${count(RetryOutcomeKind.Gone)}`,
  );
  const rebuild = [...new Set(outcomes.filter((o) => o.outcome === RetryOutcomeKind.NeedsRebuild).map((o) => o.letter.projection))];
  if (rebuild.length > 0) lines.push(`run npm run rebuild -- ${rebuild.join(' ')}`);
  return lines;
}

/** Whether every retried letter is settled (applied, nothing to change, or gone). */
export function retrySettled(outcomes: readonly RetryOutcome[]): boolean {
  return outcomes.every((o) => o.outcome !== RetryOutcomeKind.Failed && o.outcome !== RetryOutcomeKind.NeedsRebuild);
}

function words(...parts: (string | null | undefined)[]): string {
  return parts.filter(Boolean).join(' ');
}
