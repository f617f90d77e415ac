import type { EntityManager } from '@mikro-orm/postgresql';
import { isDeterministic, isTransient } from '../../platform/index.js';
import type { EventEnvelope, ViewChange } from '../../schema/index.js';
import type { ReadModel, RowChange } from '../read-models/read-model.js';
import { inSavepoint } from './transaction.js';

/**
 * Fewest of a read model's events in a run for its set-based writer: below it, a few one-row
 * statements cost less than one statement over a JSON record set (decision #19).
 */
export const SET_BASED_FROM = 8;

/** A stream message (or event store row) to apply: its position and event, undefined when it is not an event envelope. */
export interface RunItem {
  seq: number;
  event: EventEnvelope | undefined;
}

/** An item the read model could not apply, for a reason it would meet again: a dead letter. */
export interface RunFailure {
  seq: number;
  event: EventEnvelope | undefined;
  error: unknown;
}

export interface RunOptions {
  /** Fewest of the model's events for `writeRun` (default SET_BASED_FROM; 1: always, Infinity: never). */
  setBasedFrom?: number;
  /** Whether to return the changed rows (the live runner); rebuild and verify announce nothing. Default true. */
  announce?: boolean;
}

export interface RunResult {
  changes: ViewChange[];
  failures: RunFailure[];
}

/**
 * The projection engine: applies a run of items (in stream order) to a read model inside the
 * caller's transaction `tx`, in three steps, each only if the one before failed:
 * 1. set-based (`writeRun`) when the run holds at least `setBasedFrom` of the model's events,
 *    each changed row announced once at the run's last position;
 * 2. event by event, the whole run in one savepoint;
 * 3. event by event, each in its own savepoint: an event that fails for a reason of its own (its
 *    data, a constraint, a bug) is returned as a failure (a dead letter) and the others apply.
 * A failure that passes (the database, the connection: platform/transient-failure.ts) is thrown,
 * and the caller starts over from its checkpoint: never a dead letter.
 */
export async function applyRun(
  tx: EntityManager,
  model: ReadModel,
  items: readonly RunItem[],
  options: RunOptions = {},
): Promise<RunResult> {
  const announce = options.announce !== false;
  const mine = items.filter((item) => !item.event || model.eventTypes.has(item.event.type));
  const events = mine.flatMap((item) => (item.event ? [item.event] : []));
  if (model.writeRun && events.length === mine.length && events.length >= (options.setBasedFrom ?? SET_BASED_FROM)) {
    const position = mine.at(-1)!.seq;
    const rows = await attempt(() => inSavepoint(tx, () => applySetBased(tx, model, events, announce)));
    if (rows) return { changes: rows.map((row) => ({ ...row, position })), failures: [] };
  }
  if (mine.length > 1 && events.length === mine.length) {
    const changes = await attempt(() => inSavepoint(tx, () => eachEvent(tx, model, mine)));
    if (changes) return { changes: announce ? changes : [], failures: [] };
  }
  const result: RunResult = { changes: [], failures: [] };
  for (const item of mine) {
    try {
      const changes = await inSavepoint(tx, () => eachEvent(tx, model, [item])).catch((error: unknown) => {
        // A driver error after its connection died can look like anything: one more try tells.
        if (isTransient(error) || isDeterministic(error)) throw error;
        return inSavepoint(tx, () => eachEvent(tx, model, [item]));
      });
      if (announce) result.changes.push(...changes);
    } catch (error) {
      if (isTransient(error)) throw error;
      result.failures.push({ seq: item.seq, event: item.event, error });
    }
  }
  return result;
}

/** One event's changes through `writeOne` (no savepoint): for dead-letter retries and tests. */
export async function applyEvent(tx: EntityManager, model: ReadModel, event: EventEnvelope): Promise<RowChange[]> {
  const rows: RowChange[] = [];
  for (const change of model.toChanges(event)) rows.push(...(await model.writeOne(tx, change)));
  return rows;
}

/** A run's changes through `writeRun` (no savepoint); throws when the model has none or refuses the run. */
export function applySetBased(
  tx: EntityManager,
  model: ReadModel,
  events: readonly EventEnvelope[],
  announce = true,
): Promise<RowChange[]> {
  if (!model.writeRun) throw new Error(`${model.name} has no set-based writer`);
  const changes = events.flatMap((event, ord) => model.toChanges(event).map((change) => ({ ...change, ord })));
  return changes.length === 0 ? Promise.resolve([]) : model.writeRun(tx, changes, announce);
}

async function eachEvent(tx: EntityManager, model: ReadModel, items: readonly RunItem[]): Promise<ViewChange[]> {
  const changes: ViewChange[] = [];
  for (const { seq, event } of items) {
    if (!event) throw new Error(`stream message ${seq} is not an event envelope`);
    for (const row of await applyEvent(tx, model, event)) changes.push({ ...row, position: seq });
  }
  return changes;
}

/** The step's result, or undefined when it failed for a reason of the run (the next step tries); a passing failure is thrown. */
async function attempt<T>(step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (isTransient(error)) throw error;
    return undefined;
  }
}
