/**
 * `npm run test:faults`: the fault-injection suite in full (FAULT_ROUNDS rounds of each fault, 3
 * unless set), then one table of every fault. `npm test` runs the same files with one round each.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type FaultRow } from './fault-table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = process.env.FAULT_ROUNDS ?? '3';
const results = path.join(os.tmpdir(), `fault-results-${process.pid}.jsonl`);
const started = Date.now();

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', path.join(here, '*.test.js')], {
  env: { ...process.env, FAULT_ROUNDS: rounds, FAULT_RESULTS: results },
  stdio: 'inherit',
});
const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
const rows = existsSync(results)
  ? readFileSync(results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FaultRow)
  : [];
rmSync(results, { force: true });
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\nFault-injection suite: ${rounds} round(s) of each fault, ${minutes} min\n${formatTable(rows)}\n`);
console.log(`${rows.filter((r) => r.passed).length} passed, ${rows.filter((r) => !r.passed).length} failed`);
process.exitCode = code;
