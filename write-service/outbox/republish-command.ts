import { RepublishError } from './republish-error.js';
import type { RepublishReport } from './republish.js';

export const REPUBLISH_USAGE = `usage: republish --from <global position> [--to <global position>] | --missing
  --from/--to  publishes again the events of that range of the event store that the relay had published
  --missing    publishes again the published events that the stream does not hold (what npm run verify reports)`;

export type RepublishCommand = { from: number; to?: number } | { missing: true };

/** The command line of `npm run republish`. */
export function parseRepublishCommand(args: readonly string[]): RepublishCommand {
  const value = (flag: string) => {
    const index = args.indexOf(flag);
    if (index < 0) return undefined;
    const number = Number(args[index + 1]);
    if (!Number.isSafeInteger(number) || number < 1)
      throw RepublishError.usage(`${flag} takes a global position (1 or more)\n${REPUBLISH_USAGE}`);
    return number;
  };
  const known = new Set(['--from', '--to', '--missing']);
  const unknown = args.filter((arg, i) => (arg.startsWith('--') ? !known.has(arg) : !['--from', '--to'].includes(args[i - 1] ?? '')));
  if (unknown.length > 0) throw RepublishError.usage(`unknown argument ${unknown[0]}\n${REPUBLISH_USAGE}`);
  const from = value('--from');
  const to = value('--to');
  const missing = args.includes('--missing');
  if (missing === (from !== undefined) || (to !== undefined && from === undefined)) throw RepublishError.usage(REPUBLISH_USAGE);
  if (missing) return { missing: true };
  if (to !== undefined && to < from!) throw RepublishError.usage(`--to ${to} is before --from ${from}\n${REPUBLISH_USAGE}`);
  return { from: from!, ...(to === undefined ? {} : { to }) };
}

export function formatRepublishReport(report: RepublishReport): string[] {
  const lines: string[] = [];
  if (report.advancedTo !== undefined)
    lines.push(`the stream was behind positions consumers trust: its next sequence moved to ${report.advancedTo} first`);
  lines.push(
    `republished ${report.published} event(s), ${report.duplicates} still in the stream (deduplicated), of ${report.selected} selected` +
      (report.firstSeq === undefined ? '' : `; stream sequences ${report.firstSeq}..${report.lastSeq}`),
  );
  if (report.leftToRelay > 0) lines.push(`${report.leftToRelay} selected event(s) not published yet: left to the relay`);
  if (report.phantoms.length > 0) {
    lines.push(
      `${report.phantoms.length} event(s) deduplicated against messages the stream no longer holds (its dedupe window outlives a purge or a ` +
        `deletion): not stored; run the same command again in 2 minutes: ${report.phantoms.slice(0, 20).join(', ')}${report.phantoms.length > 20 ? ', ...' : ''}`,
    );
  }
  return lines;
}
