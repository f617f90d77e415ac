import { appendFileSync } from 'node:fs';

/** One line of the suite's table: one fault, all its rounds, under one load. */
export interface FaultRow {
  fault: string;
  rounds: number;
  /** Commands acknowledged (restocks, orders placed, cancellations). */
  operations: number;
  /** Client attempts after the first (same idempotency key). */
  retries: number;
  /** Answers no client should get here (INTERNAL_SERVER_ERROR, CONCURRENCY_CONFLICT, refused restocks or orders), by code. */
  anomalies: string;
  lost: number;
  duplicated: number;
  undecided: number;
  /** Reservations that differ from the confirmed orders. */
  stock: number;
  /** The gateway's live subscriptions and cached product answers against the view: 'ok' or how many are stale. */
  live: string;
  /** `npm run verify`: 'clean', or the number of its output lines naming this fault's tenant. */
  verify: string;
  /** Longest time, over the rounds, from the fault's end until a command sent after it succeeded. */
  recoverMs: number | null;
  /** From the load's stop until every invariant held (null: not within the deadline). */
  convergeMs: number | null;
  passed: boolean;
}

const COLUMNS: [keyof FaultRow, string][] = [
  ['fault', 'fault'],
  ['rounds', 'rounds'],
  ['operations', 'ops'],
  ['retries', 'retries'],
  ['lost', 'lost'],
  ['duplicated', 'dup'],
  ['undecided', 'undecided'],
  ['stock', 'stock'],
  ['live', 'live'],
  ['verify', 'verify'],
  ['recoverMs', 'recover'],
  ['convergeMs', 'converge'],
  ['anomalies', 'anomalies'],
  ['passed', 'result'],
];

function cell(row: FaultRow, key: keyof FaultRow): string {
  const value = row[key];
  if (key === 'recoverMs' || key === 'convergeMs') return value === null ? 'never' : `${((value as number) / 1000).toFixed(1)} s`;
  if (key === 'passed') return value ? 'ok' : 'FAIL';
  return String(value);
}

/** The rows as a plain-text table (what the suite prints). */
export function formatTable(rows: readonly FaultRow[]): string {
  const cells = rows.map((row) => COLUMNS.map(([key]) => cell(row, key)));
  const widths = COLUMNS.map(([, title], i) => Math.max(title.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === 0 || i >= 8 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map(([, title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/**
 * Collects a test file's rows, prints its table at the end, and appends each row to the file
 * named by FAULT_RESULTS (JSON lines) when set, for the runner's combined table.
 */
export class FaultTable {
  readonly rows: FaultRow[] = [];

  constructor(private readonly title: string) {}

  add(row: FaultRow): void {
    this.rows.push(row);
    if (process.env.FAULT_RESULTS) appendFileSync(process.env.FAULT_RESULTS, `${JSON.stringify(row)}\n`);
  }

  print(): void {
    if (this.rows.length === 0) return;
    console.log(`\n${this.title}\n${formatTable(this.rows)}\n`);
  }
}
