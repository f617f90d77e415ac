export const STATUS_USAGE = 'usage: status [--json] [--stuck-after <seconds>] [--wait <ms>]';

export interface StatusCommand {
  /** Print the report (with its problems) as JSON instead of tables. */
  json: boolean;
  /** A backlog whose oldest item has waited longer is a problem (default 30 s). */
  stuckAfterMs: number;
  /** How long to gather the replicas' answers to the status ping (default 500 ms). */
  waitMs: number;
}

/** The command line of `npm run status`; throws a usage message on anything else. */
export function parseStatusCommand(args: readonly string[]): StatusCommand {
  const command: StatusCommand = { json: false, stuckAfterMs: 30_000, waitMs: 500 };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--json') command.json = true;
    else if (arg === '--stuck-after') command.stuckAfterMs = number(args[(i += 1)], arg) * 1000;
    else if (arg === '--wait') command.waitMs = Math.max(1, number(args[(i += 1)], arg));
    else throw new Error(`unknown argument ${arg}\n${STATUS_USAGE}`);
  }
  return command;
}

function number(raw: string | undefined, name: string): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number\n${STATUS_USAGE}`);
  return value;
}
