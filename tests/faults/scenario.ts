import assert from 'node:assert/strict';
import { waitFor } from '../support/wait.js';
import type { FaultHarness } from './fault-harness.js';
import { FaultTable, type FaultRow } from './fault-table.js';
import { isClean, type InvariantReport } from './invariants.js';
import { LiveView, type LiveValue } from './live-view.js';
import { DEFAULT_LOAD, LoadDriver, type Fixture, type LoadOptions } from './load-driver.js';
import { runVerify, type VerifyOutcome } from './run-verify.js';

/** Rounds of each fault: FAULT_ROUNDS (the full suite sets 3); one in `npm test`. */
export const ROUNDS = Math.max(1, Number(process.env.FAULT_ROUNDS ?? 1));

export interface Scenario {
  /** The row's name, e.g. 'nats drop+cut: write-service'. */
  name: string;
  rounds?: number;
  /**
   * Injects the fault once and resolves when it is over (the service back, the network healed).
   * The time to recover counts from then, or from the moment it returns (e.g. a node's kill).
   */
  inject: (round: number) => Promise<number | void>;
  /** How long commands may take to succeed again after the fault ended (the scenario fails past it). */
  recoverWithinMs?: number;
  /** How long the invariants may take to hold once the load stopped. */
  convergeWithinMs?: number;
  load?: Partial<LoadOptions>;
  /** Anomalies that this fault may cause without failing (still counted in the table), e.g. INTERNAL_SERVER_ERROR while the database is down. */
  tolerate?: string[];
}

export interface ScenarioResult {
  row: FaultRow;
  report: InvariantReport;
  verify: VerifyOutcome;
  /** Answers no client should get, by code (see FaultRow.anomalies). */
  anomalies: Map<string, number>;
  /** Why the client retried: transport errors, timeouts, codes. */
  retriedFor: Map<string, number>;
  /** The services' warnings and errors during the scenario, counted by message. */
  serviceWarnings: string[];
}

/** Commands that must succeed between two rounds (and before the first): the load is flowing (fewer in the short form). */
const STEADY = ROUNDS > 1 ? 40 : 25;

/**
 * One fault under load: a tenant of its own with its products, customer and a live subscription;
 * the load runs while the fault is injected round after round (each round waits until commands
 * succeed again); then the load stops, the invariants are checked until they hold (or a
 * deadline passes) and `npm run verify` runs. `previousFailure`: an earlier scenario of the same
 * system failed, so verify's exit code speaks for it too and only this tenant's rows count.
 */
export async function runScenario(harness: FaultHarness, scenario: Scenario, previousFailure = false): Promise<ScenarioResult> {
  const rounds = scenario.rounds ?? ROUNDS;
  const began = Date.now();
  const { tenant, authorization, client } = await harness.tenant(scenario.name);
  const fixture = await LoadDriver.prepare(client, tenant);
  const live = [fixture.restockOnly[0]!, fixture.quiet].map((id) => new LiveView(() => harness.system.graphqlUrl, authorization, id));
  const load = new LoadDriver(client, fixture, { ...DEFAULT_LOAD, ...scenario.load });
  let recoverMs: number | null = 0;
  try {
    await waitFor(() => live.every((view) => view.last), { timeoutMs: 20_000, what: 'the live views to show their products' });
    const started = Date.now();
    load.start();
    await waitFor(() => load.successesSince(started) >= STEADY, { timeoutMs: 30_000, what: 'the load to flow' });
    for (let round = 1; round <= rounds; round += 1) {
      // The quiet product's only change of the round goes in as the fault starts.
      const touched = load.touchQuiet();
      const ended = (await scenario.inject(round)) ?? Date.now();
      await touched;
      const recovered = await waitFor(() => load.firstSuccessAfter(ended), {
        timeoutMs: 60_000,
        intervalMs: 10,
        what: `commands to succeed after ${scenario.name} (round ${round})`,
      });
      recoverMs = Math.max(recoverMs, recovered - ended);
      await waitFor(() => load.successesSince(ended) >= STEADY, { timeoutMs: 60_000, what: 'the load to flow again' });
    }
  } catch (error) {
    client.abort();
    await load.stop().catch(() => undefined);
    await Promise.all(live.map((view) => view.close()));
    throw error;
  }
  await load.stop();

  // Wait until every invariant holds, or the deadline passes: then the last check is the verdict.
  const stopped = Date.now();
  const deadline = stopped + (scenario.convergeWithinMs ?? 20_000);
  let report: InvariantReport | undefined;
  let convergeMs: number | null = null;
  for (;;) {
    try {
      report = await harness.checker.check(fixture, load.acked, live, await gatewayViews(harness, authorization, fixture));
    } catch (error) {
      if (Date.now() > deadline) throw error; // the databases did not come back
    }
    if (report && isClean(report)) {
      convergeMs = Date.now() - stopped;
      break;
    }
    if (report && Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!report) throw new Error('no check of the invariants ran');
  await Promise.all(live.map((view) => view.close()));
  const verify = await runVerify(harness.verifyEnv, tenant);

  const anomalies = new Map(client.stats.anomalies);
  for (const [label, count] of load.refused) anomalies.set(label, count);
  const verifyClean = previousFailure ? verify.linesOfTenant === 0 : verify.code === 0;
  const recoveredInTime = scenario.recoverWithinMs === undefined || (recoverMs ?? Infinity) <= scenario.recoverWithinMs;
  if (!recoveredInTime)
    report.details.push(`recovery: commands answered again after ${recoverMs} ms, more than ${scenario.recoverWithinMs} ms`);
  const row: FaultRow = {
    fault: scenario.name,
    rounds,
    operations: load.operations,
    retries: client.stats.retries,
    anomalies: anomalies.size === 0 ? '-' : [...anomalies].map(([code, n]) => `${code} x${n}`).join(', '),
    lost: report.lost,
    duplicated: report.duplicated,
    undecided: report.undecided,
    stock: report.stockMismatches,
    live: report.live === 'ok' ? 'ok' : `${report.live.split('; ').length} stale`,
    verify:
      verify.code === 0
        ? 'clean'
        : `differs${verify.linesOfTenant ? ` (${verify.linesOfTenant} rows here)` : ''}${previousFailure ? ' (+earlier)' : ''}`,
    recoverMs,
    convergeMs,
    passed: isClean(report) && verifyClean && recoveredInTime && [...anomalies.keys()].every((code) => scenario.tolerate?.includes(code)),
  };
  return { row, report, verify, anomalies, retriedFor: new Map(client.stats.retriedFor), serviceWarnings: serviceWarnings(harness, began) };
}

/** What to print when a scenario failed: the invariants' details, retries by reason, verify's output. */
export function explain(result: ScenarioResult): string {
  const lines = [...result.report.details];
  if (result.anomalies.size) lines.push(`anomalies: ${result.row.anomalies}`);
  if (result.retriedFor.size) lines.push(`retried for: ${[...result.retriedFor].map(([r, n]) => `${r} x${n}`).join(', ')}`);
  if (result.serviceWarnings.length) lines.push(`service warnings and errors:\n${result.serviceWarnings.join('\n')}`);
  if (result.verify.code !== 0) {
    const output = result.verify.output.split('\n').filter((line) => line.trim());
    lines.push(
      `verify (first lines):\n${output
        .slice(0, 12)
        .map((line) => line.slice(0, 240))
        .join('\n')}`,
    );
  }
  return lines.join('\n');
}

/**
 * The scenarios of one test file on one system: runs each, adds its row to the file's table and
 * fails the test with the details when an invariant does not hold.
 */
export class FaultRun {
  readonly table: FaultTable;
  /** Systems on which a scenario failed: their verify speaks for that failure too. */
  private readonly failed = new WeakSet<FaultHarness>();

  constructor(title: string) {
    this.table = new FaultTable(title);
  }

  async run(harness: FaultHarness, scenario: Scenario): Promise<ScenarioResult> {
    let result: ScenarioResult;
    try {
      result = await runScenario(harness, scenario, this.failed.has(harness));
    } catch (error) {
      // No verdict (the load or the fault could not run): a row all the same, so the table lists every fault.
      this.failed.add(harness);
      this.table.add({
        fault: scenario.name,
        rounds: scenario.rounds ?? ROUNDS,
        operations: 0,
        retries: 0,
        anomalies: `did not run: ${String((error as Error).message ?? error).slice(0, 70)}`,
        lost: 0,
        duplicated: 0,
        undecided: 0,
        stock: 0,
        live: '-',
        verify: '-',
        recoverMs: null,
        convergeMs: null,
        passed: false,
      });
      throw error;
    }
    this.table.add(result.row);
    if (!result.row.passed) {
      this.failed.add(harness);
      assert.fail(
        `${scenario.name}: lost ${result.row.lost}, duplicated ${result.row.duplicated}, undecided ${result.row.undecided}, stock ${result.row.stock}, live ${result.row.live}, verify ${result.row.verify}\n${explain(result)}`,
      );
    }
    return result;
  }
}

/** The services' log lines at warn level or above since `since`, counted by service and message (pino JSON lines). */
function serviceWarnings(harness: FaultHarness, since: number): string[] {
  const counts = new Map<string, { n: number; first: number; sample: string }>();
  for (const service of ['write', 'read', 'gateway']) {
    for (const line of harness.system.logs(service)) {
      let entry: { level?: number; time?: number; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if ((entry.level ?? 0) < 40 || (entry.time ?? 0) < since) continue;
      const key = `${service}: ${entry.msg ?? '?'}${entry.err?.message ? ` (${entry.err.message.slice(0, 120)})` : ''}`;
      const seen = counts.get(key) ?? { n: 0, first: entry.time ?? 0, sample: line };
      seen.n += 1;
      counts.set(key, seen);
    }
  }
  return [...counts]
    .sort((a, b) => a[1].first - b[1].first)
    .slice(0, 25)
    .map(([key, { n, first }]) => `  +${((first - since) / 1000).toFixed(1)} s ${key} x${n}`);
}

const PRODUCT = 'query($id: ID!) { product(id: $id) { availableQuantity version } }';

/** Every product of the scenario as the gateway answers it without a token (from its view cache when it has the row). */
async function gatewayViews(harness: FaultHarness, authorization: string, fixture: Fixture): Promise<Map<string, LiveValue | null>> {
  const views = new Map<string, LiveValue | null>();
  for (const id of [...fixture.restockOnly, ...fixture.ordered, fixture.quiet]) {
    const response = await fetch(harness.system.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query: PRODUCT, variables: { id } }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { data?: { product: LiveValue | null } };
    views.set(id, body.data?.product ?? null);
  }
  return views;
}
