/**
 * `npm run status [-- --json] [--stuck-after <seconds>] [--wait <ms>]`: the operations view. The
 * services and replicas answering on NATS, the event stream, each projection's position, lag and
 * dead letters, the outbox and saga backlogs; then what is wrong. Reads only; safe while the system
 * runs (and when parts of it are down: what cannot be reached is reported). Exits 0 when nothing is
 * wrong, 1 when something is (see find-problems.ts), 2 on a usage error.
 */
import { loadConfig } from '../platform/index.js';
import { PROJECTIONS } from '../schema/index.js';
import { collectStatus } from './status/collect-status.js';
import { findProblems } from './status/find-problems.js';
import { renderStatus } from './status/render-status.js';
import { parseStatusCommand, type StatusCommand } from './status/status-command.js';

let command: StatusCommand;
try {
  command = parseStatusCommand(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const report = await collectStatus(loadConfig(), { projections: Object.values(PROJECTIONS), waitMs: command.waitMs });
const problems = findProblems(report, { stuckAfterMs: command.stuckAfterMs });
if (command.json) console.log(JSON.stringify({ ...report, problems, healthy: problems.length === 0 }, null, 2));
else console.log(renderStatus(report, problems, { colour: process.stdout.isTTY === true && !process.env.NO_COLOR }).join('\n'));
process.exitCode = problems.length === 0 ? 0 : 1;
