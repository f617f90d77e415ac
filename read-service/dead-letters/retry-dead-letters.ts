import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../platform/postgres/index.js';
import { encodeJson, type Subjects } from '../../platform/index.js';
import type { CheckpointNotice } from '../../schema/index.js';
import { applyRun } from '../projection-engine/apply-run.js';
import { decodeEvent } from '../projection-engine/decode-event.js';
import { inTransaction } from '../projection-engine/transaction.js';
import type { ReadModel } from '../read-models/read-model.js';
import type { DeadLetterFilter } from './dead-letter-filter.js';
import { listDeadLetters, lockOpenDeadLetter, type StoredDeadLetter } from './dead-letter-store.js';
import { laterVersion } from './later-version.js';

export const RetryOutcomeKind = {
  /** The event changed the projection's rows: the letter is removed. */
  Applied: 'applied',
  /** The event applied and changed nothing (it concerns no row of this view, or it was applied already): the letter is removed. */
  NothingToChange: 'nothing-to-change',
  /** A later version of the event's aggregate reached the projection first: the letter stays, the view needs a rebuild. */
  NeedsRebuild: 'needs-rebuild',
  /** The event failed again: the letter stays, with one more attempt and the new error. */
  Failed: 'failed',
  /** The letter was removed or discarded meanwhile (a concurrent retry, a rebuild). */
  Gone: 'gone',
} as const;
export type RetryOutcomeKind = (typeof RetryOutcomeKind)[keyof typeof RetryOutcomeKind];

export interface RetryOutcome {
  letter: StoredDeadLetter;
  outcome: RetryOutcomeKind;
  detail: string;
}

export interface RetryOptions {
  orm: Orm;
  /** To tell gateways that rows changed unannounced (a reset checkpoint notice). */
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  projections: readonly ReadModel[];
  filter: DeadLetterFilter;
}

/**
 * Applies dead-lettered events again through their projections, oldest first per projection.
 * Each retry is one transaction that first locks the projection's checkpoint row, as the live
 * runner does at the start of every batch (and a rebuild's switch), so it never interleaves with
 * a batch. A letter is removed when its event applied, kept (attempts + 1, the new error) when it
 * fails again, and kept with a call for `npm run rebuild -- <projection>` when a later version of
 * its aggregate already reached the projection (see laterVersion): applying it now would not put
 * the view right, however it succeeded. After rows changed, the projection's checkpoint is
 * announced with `reset`, as after a rebuild's switch, so that gateways read their views again.
 */
export async function retryDeadLetters(options: RetryOptions): Promise<RetryOutcome[]> {
  const letters = await listDeadLetters(options.orm.em.fork(), { ...options.filter, discarded: false });
  const outcomes: RetryOutcome[] = [];
  const changed = new Map<string, number>();
  for (const letter of letters) {
    const projection = options.projections.find((p) => p.name === letter.projection);
    if (!projection) {
      outcomes.push({ letter, outcome: RetryOutcomeKind.Failed, detail: `no projection named ${letter.projection} in this read-service` });
      continue;
    }
    const { outcome, position } = await retryOne(options, projection, letter);
    outcomes.push(outcome);
    if (outcome.outcome === RetryOutcomeKind.Applied) changed.set(projection.name, Math.max(changed.get(projection.name) ?? 0, position));
  }
  for (const [projection, position] of changed) {
    options.nc.publish(
      options.subjects.checkpoint(projection),
      encodeJson({ projection, position, reset: true } satisfies CheckpointNotice),
    );
  }
  if (changed.size > 0) await options.nc.flush();
  return outcomes;
}

async function retryOne(
  options: RetryOptions,
  projection: ReadModel,
  listed: StoredDeadLetter,
): Promise<{ outcome: RetryOutcome; position: number }> {
  return inTransaction(options.orm, async (em) => {
    // The checkpoint row first, before any view row: the runner's order (no deadlock), and its batch in flight finishes first.
    await em.execute(
      'insert into projection_checkpoints (projection, position) values (?, 0) on conflict do nothing',
      [projection.name],
      'run',
    );
    const [checkpoint] = await em.execute<{ position: string }[]>(
      'select position from projection_checkpoints where projection = ? for update',
      [projection.name],
    );
    const position = Number(checkpoint?.position ?? 0);
    const letter = await lockOpenDeadLetter(em, listed.id);
    if (!letter) return { outcome: { letter: listed, outcome: RetryOutcomeKind.Gone, detail: 'removed or discarded meanwhile' }, position };

    const event = decodeEvent(letter.payload);
    if (!event)
      return { outcome: await failed(em, letter, new Error(`stream message ${letter.streamSeq} is not an event envelope`)), position };
    const later = await laterVersion(
      { tx: em, js: options.js, jsm: options.jsm, subjects: options.subjects, projection, checkpoint: position },
      event,
    );
    if (later) {
      const detail = `${later}: applying version ${event.version} now would not put the view right; run npm run rebuild -- ${projection.name}`;
      await em.execute(
        'update dead_letters set attempts = attempts + 1, error = ?, retried_at = now() where id = ?',
        [detail, letter.id],
        'run',
      );
      return { outcome: { letter, outcome: RetryOutcomeKind.NeedsRebuild, detail }, position };
    }

    const before = await rowsChanged(em, projection);
    const [failure] = (await applyRun(em, projection, [{ seq: letter.streamSeq, event }], { announce: false })).failures;
    if (failure) return { outcome: await failed(em, letter, failure.error), position };
    const rows = (await rowsChanged(em, projection)) - before;
    await em.execute('delete from dead_letters where id = ?', [letter.id], 'run');
    return rows > 0
      ? {
          outcome: { letter, outcome: RetryOutcomeKind.Applied, detail: `${rows} row change(s) in ${projection.tables.join(', ')}` },
          position,
        }
      : {
          outcome: {
            letter,
            outcome: RetryOutcomeKind.NothingToChange,
            detail: `the event changes no row of ${projection.tables.join(', ')}`,
          },
          position,
        };
  });
}

async function failed(em: EntityManager, letter: StoredDeadLetter, error: unknown): Promise<RetryOutcome> {
  const message = String((error as Error)?.message ?? error);
  await em.execute(
    'update dead_letters set attempts = attempts + 1, error = ?, retried_at = now() where id = ?',
    [message, letter.id],
    'run',
  );
  return { letter, outcome: RetryOutcomeKind.Failed, detail: message };
}

/** Rows inserted, updated or deleted so far in this transaction in the projection's own tables (PostgreSQL's per-transaction counters). */
async function rowsChanged(em: EntityManager, projection: ReadModel): Promise<number> {
  const [row] = await em.execute<{ n: string }[]>(
    `select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) as n from pg_stat_xact_user_tables
      where schemaname = current_schema() and relname in (?)`,
    [[...projection.tables]],
  );
  return Number(row?.n ?? 0);
}
