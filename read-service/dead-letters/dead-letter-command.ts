import { DeadLetterError } from './dead-letter-error.js';
import { selectsSome, type DeadLetterFilter } from './dead-letter-filter.js';

export const DEAD_LETTER_USAGE = `usage: dead-letters list|retry|discard [--projection <name>[,...]] [--tenant <tenant>[,...]] [--id <id>[,...]] [--all] [--discarded]
  list      prints the open dead letters (with --discarded, the discarded ones too)
  retry     applies their events again; removes a letter when its event applied, keeps it otherwise
  discard   marks them discarded: left out on purpose, kept as history, reported apart by verify
  retry and discard need a filter, or --all for every open dead letter`;

export type DeadLetterCommand = { action: 'list' | 'retry' | 'discard'; filter: DeadLetterFilter };

/** The command line of `npm run dead-letters`; filters repeat or take comma-separated values. */
export function parseDeadLetterCommand(args: readonly string[], knownProjections: readonly string[]): DeadLetterCommand {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'retry' && action !== 'discard') throw DeadLetterError.usage(DEAD_LETTER_USAGE);
  const values: Record<'projection' | 'tenant' | 'id', string[]> = { projection: [], tenant: [], id: [] };
  let all = false;
  let discarded = false;
  for (let i = 0; i < rest.length; i += 1) {
    const [flag, inline] = rest[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === '--all') all = true;
    else if (flag === '--discarded') discarded = true;
    else if (flag === '--projection' || flag === '--tenant' || flag === '--id') {
      const value = inline ?? rest[++i];
      if (!value) throw DeadLetterError.usage(`${flag} needs a value\n${DEAD_LETTER_USAGE}`);
      values[flag.slice(2) as 'projection' | 'tenant' | 'id'].push(...value.split(',').filter(Boolean));
    } else {
      throw DeadLetterError.usage(`unknown argument ${rest[i]}\n${DEAD_LETTER_USAGE}`);
    }
  }
  const unknown = values.projection.filter((name) => !knownProjections.includes(name));
  if (unknown.length > 0) throw DeadLetterError.unknownProjection(unknown, knownProjections);
  const ids = values.id.map(Number);
  if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0))
    throw DeadLetterError.usage(`--id takes dead letter ids (numbers shown by list)\n${DEAD_LETTER_USAGE}`);
  const filter: DeadLetterFilter = {
    ...(values.projection.length ? { projections: values.projection } : {}),
    ...(values.tenant.length ? { tenants: values.tenant } : {}),
    ...(ids.length ? { ids } : {}),
    ...(discarded && action === 'list' ? { discarded: true } : {}),
  };
  if (action !== 'list' && !all && !selectsSome(filter)) throw DeadLetterError.noSelection(action);
  return { action, filter };
}
